"""Admin views: API keys for integrators (created, shown once, revoked)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from surveyapp.services import api_keys
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.admin import bp
from surveyapp.web.admin.api_key_forms import SCOPE_LABELS, ApiKeyForm, RevokeApiKeyForm
from surveyapp.web.decorators import staff_view
from surveyapp.web.uow import clock, request_session, unit_of_work


@bp.route("/api-keys", methods=["GET", "POST"])
@staff_view("admin")
def api_keys_list() -> Any:
    """All API keys, and the form to create one; a new key's secret is shown once."""
    form = ApiKeyForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                created = api_keys.create_key(
                    db,
                    name=form.name.data,
                    scopes=form.scopes.data,
                    clock=clock(),
                    actor=current_user,
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            return render_template(
                "staff/admin/api_key_created.html",
                api_key=created.api_key,
                secret=created.secret,
                scope_labels=SCOPE_LABELS,
            )
    page = render_template(
        "staff/admin/api_keys.html",
        form=form,
        keys=api_keys.list_keys(request_session()),
        revoke_form=RevokeApiKeyForm(),
        scope_labels=SCOPE_LABELS,
    )
    return page, 400 if form.errors else 200


@bp.post("/api-keys/revoke")
@staff_view("admin")
def api_keys_revoke() -> Any:
    """Revoke a key at once; systems using it get 401 from then on."""
    form = RevokeApiKeyForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work() as db:
        api_key = api_keys.revoke_key(db, int(form.key_id.data), clock=clock(), actor=current_user)
    flash(_("The API key %(name)s was revoked.", name=api_key.name), "success")
    return redirect(url_for("admin.api_keys_list"))
