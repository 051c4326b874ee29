"""Website views: the list, adding and changing a site, its snippet, and its secret."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from surveyapp.domain.roles import Role
from surveyapp.models import WebSite
from surveyapp.runtime import get_runtime
from surveyapp.services.embed import sites
from surveyapp.services.embed.sites import SiteSecret
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.decorators import changes_need, has_role, staff_view
from surveyapp.web.embed import site_cache
from surveyapp.web.embed.access import app_secret as _app_secret
from surveyapp.web.sites import bp
from surveyapp.web.sites.forms import POSITION_LABELS, SecretForm, SiteForm
from surveyapp.web.uow import clock, request_session, unit_of_work

# Anyone who may open the section manages sites; looking at a secret again is for admins.
REVEALS_SECRETS = frozenset({Role.ADMIN})
STATS_DAYS = 30


@bp.context_processor
def _site_context() -> dict[str, Any]:
    return {"position_labels": POSITION_LABELS, "may_reveal": has_role(REVEALS_SECRETS)}


@bp.get("/")
@staff_view("sites")
def index() -> Any:
    """Every website with its origins and status."""
    return render_template("staff/sites/index.html", sites=sites.list_sites(request_session()))


@bp.route("/new", methods=["GET", "POST"])
@staff_view("sites")
def create() -> Any:
    """Add a website; its secret is shown once on the next page."""
    form = SiteForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                created = sites.create_site(
                    db, form.settings(), app_secret=_app_secret(), clock=clock(), actor=current_user
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            return _secret_page(created, new=True)
    page = render_template("staff/sites/form.html", form=form, site=None)
    return page, 400 if form.errors else 200


@bp.get("/<int:site_id>")
@staff_view("sites")
def show(site_id: int) -> Any:
    """A site: the snippet to paste, how to sign contact ids, and what the widget did."""
    db = request_session()
    site = sites.get_site(db, site_id)
    since = clock().now() - timedelta(days=STATS_DAYS)
    return render_template(
        "staff/sites/show.html",
        site=site,
        counts=sites.display_counts(db, site.id, since=since),
        stats_days=STATS_DAYS,
        script_url=_external(url_for("static", filename="js/embed.js")),
        secret_changed=sites.secret_changed(site, app_secret=_app_secret()),
        form=SecretForm(),
    )


@bp.route("/<int:site_id>/edit", methods=["GET", "POST"])
@staff_view("sites")
def edit(site_id: int) -> Any:
    """Change a site's origins, look and behaviour; its key and secret stay."""
    site = sites.get_site(request_session(), site_id)
    form = SiteForm(data=None if request.method == "POST" else _form_data(site))
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                sites.update_site(db, site_id, form.settings(), clock=clock(), actor=current_user)
            site_cache.forget()
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            flash(_("The website %(name)s was saved.", name=form.name.data), "success")
            return redirect(url_for("sites.show", site_id=site_id))
    page = render_template("staff/sites/form.html", form=form, site=site)
    return page, 400 if form.errors else 200


@bp.post("/<int:site_id>/secret")
@staff_view("sites")
@changes_need(REVEALS_SECRETS)
def reveal(site_id: int) -> Any:
    """Show the site's current secret to an admin (audited)."""
    if not SecretForm().validate_on_submit():
        abort(400)
    with unit_of_work() as db:
        revealed = sites.reveal_secret(
            db, site_id, app_secret=_app_secret(), clock=clock(), actor=current_user
        )
    return _secret_page(revealed, new=False)


@bp.post("/<int:site_id>/rotate")
@staff_view("sites")
def rotate(site_id: int) -> Any:
    """Replace the site's secret; signatures made with the old one are refused at once."""
    if not SecretForm().validate_on_submit():
        abort(400)
    with unit_of_work() as db:
        rotated = sites.rotate_secret(
            db, site_id, app_secret=_app_secret(), clock=clock(), actor=current_user
        )
    site_cache.forget()
    return _secret_page(rotated, new=True)


def _secret_page(shown: SiteSecret, *, new: bool) -> Any:
    page = render_template(
        "staff/sites/secret.html",
        site=shown.site,
        secret=shown.secret,
        new=new,
        script_url=_external(url_for("static", filename="js/embed.js")),
    )
    return page, 200, {"Cache-Control": "no-store"}


def _form_data(site: WebSite) -> dict[str, Any]:
    return {
        "name": site.name,
        "allowed_origins": "\n".join(site.allowed_origins),
        "theme_colour": site.theme_colour,
        "position": site.position.value,
        "start_minimized": site.start_minimized,
        "explain_decisions": site.explain_decisions,
        "is_active": site.is_active,
    }


def _external(path: str) -> str:
    base = get_runtime().config.base_url or request.host_url
    return base.rstrip("/") + path
