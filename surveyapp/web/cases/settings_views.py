"""Case settings views: rules per survey or touchpoint, team SLAs, the root-cause taxonomy."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from surveyapp.services import interaction_history, surveys, teams
from surveyapp.services.cases import settings, taxonomy
from surveyapp.services.errors import PermissionDenied, ValidationFailed
from surveyapp.web.cases import bp
from surveyapp.web.cases.access import edits_settings, edits_team_settings
from surveyapp.web.cases.settings_forms import RootCauseForm, RuleForm, TeamSettingsForm
from surveyapp.web.decorators import staff_view
from surveyapp.web.uow import clock, request_session, unit_of_work

SCOPES = ("surveys", "touchpoints")


@bp.get("/settings")
@staff_view("cases")
def settings_index() -> Any:
    """Teams with their SLAs, surveys and touchpoints with their case rules."""
    return render_template(
        "staff/cases/settings.html", overview=settings.overview(request_session())
    )


@bp.route("/settings/teams/<int:team_id>", methods=["GET", "POST"])
@staff_view("cases")
@edits_team_settings
def team_settings(team_id: int) -> Any:
    """A team's SLA in working or calendar hours, and its round-robin assignment."""
    db = request_session()
    team = settings.get_team(db, team_id)
    form = TeamSettingsForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                settings.save_team_settings(
                    db, team_id, form.settings(), clock=clock(), actor=current_user
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        except PermissionDenied as error:
            form.form_errors.append(gettext(error.message))
        else:
            flash(_l("The case settings of %(team)s were saved.", team=team.name), "success")
            return redirect(url_for("cases.settings_index"), 303)
    elif not form.is_submitted():
        form.load(settings.find_team_settings(db, team_id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("staff/cases/team_settings.html", form=form, team=team), status


@bp.route("/settings/<scope>/<int:scope_id>/rule", methods=["GET", "POST"])
@staff_view("cases")
@edits_settings
def rule(scope: str, scope_id: int) -> Any:
    """The case rule of one survey or touchpoint (the defaults until one is saved)."""
    if scope not in SCOPES:
        abort(404)
    db = request_session()
    keys = {"survey_id": scope_id} if scope == "surveys" else {"touchpoint_id": scope_id}
    subject = (
        surveys.get_survey(db, scope_id).name
        if scope == "surveys"
        else interaction_history.get_touchpoint(db, scope_id).name
    )
    form = RuleForm()
    form.options.choices = settings.option_choices(db, **keys)
    form.team_id.choices = [
        ("", _l("No team")),
        *((str(t.id), t.name) for t in teams.list_teams(db)),
    ]
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                settings.save_rule(db, form.settings(), **keys, clock=clock(), actor=current_user)
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            flash(_l("The case rule of %(name)s was saved.", name=subject), "success")
            return redirect(url_for("cases.settings_index"), 303)
    elif not form.is_submitted():
        form.load(settings.find_rule(db, **keys))
    status = 400 if form.errors or form.form_errors else 200
    page = render_template("staff/cases/rule.html", form=form, subject=subject, scope=scope)
    return page, status


@bp.route("/root-causes", methods=["GET", "POST"])
@staff_view("cases")
@edits_settings
def root_causes_index() -> Any:
    """The root-cause taxonomy, and a form to add a root cause."""
    form = RootCauseForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                taxonomy.save_root_cause(
                    db,
                    name=form.name.data,
                    description=form.description.data or "",
                    clock=clock(),
                    actor=current_user,
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            flash(_l("The root cause was added."), "success")
            return redirect(url_for("cases.root_causes_index"), 303)
    causes = taxonomy.list_root_causes(request_session())
    edits = {cause.id: RootCauseForm(obj=cause, prefix=f"c{cause.id}") for cause in causes}
    status = 400 if form.errors else 200
    page = render_template("staff/cases/root_causes.html", form=form, causes=causes, edits=edits)
    return page, status


@bp.post("/root-causes/<int:root_cause_id>")
@staff_view("cases")
@edits_settings
def root_cause_edit(root_cause_id: int) -> Any:
    """Rename a root cause, change its description, retire it or offer it again."""
    form = RootCauseForm(prefix=f"c{root_cause_id}")
    if not form.validate_on_submit():
        flash(" ".join(str(m) for errors in form.errors.values() for m in errors), "danger")
        return redirect(url_for("cases.root_causes_index"), 303)
    try:
        with unit_of_work() as db:
            taxonomy.save_root_cause(
                db,
                name=form.name.data,
                description=form.description.data or "",
                root_cause_id=root_cause_id,
                is_active=bool(form.is_active.data),
                clock=clock(),
                actor=current_user,
            )
    except ValidationFailed as error:
        flash(gettext(error.message), "danger")
    else:
        flash(_l("The root cause was saved."), "success")
    return redirect(url_for("cases.root_causes_index"), 303)
