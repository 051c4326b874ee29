"""Touchpoint views: the journey overview, creating a touchpoint, one touchpoint's page."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from surveyapp.services import interaction_history, journey_stages, teams, touchpoints
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.decorators import staff_view
from surveyapp.web.touchpoints import bp, explanations
from surveyapp.web.touchpoints.access import edits_touchpoints, may_edit_touchpoints
from surveyapp.web.touchpoints.forms import NO_STAGE, NO_TEAM, TouchpointForm
from surveyapp.web.touchpoints.labels import (
    CHANNEL_LABELS,
    POLICY_SENTENCES,
    REASON_LABELS,
    STATE_LABELS,
    WEEKDAY_LABELS,
    label,
)
from surveyapp.web.touchpoints.rule_text import percent_text
from surveyapp.web.uow import clock, request_session, unit_of_work


@bp.context_processor
def _touchpoint_context() -> dict[str, Any]:
    return {
        "may_edit": may_edit_touchpoints(),
        "label": label,
        "channel_labels": CHANNEL_LABELS,
        "state_labels": STATE_LABELS,
        "reason_labels": REASON_LABELS,
        "weekday_labels": WEEKDAY_LABELS,
        "policy_sentences": POLICY_SENTENCES,
        "explain_checks": explanations.explain_checks,
        "failed_sentences": explanations.failed_sentences,
        "percent_text": percent_text,
        "duration_text": explanations.duration_text,
        "staff_timezone": str(get_timezone()),
    }


def _with_choices(form: TouchpointForm) -> TouchpointForm:
    db = request_session()
    form.team_id.choices = [
        SelectChoice(NO_TEAM, _l("No team")),
        *(SelectChoice(team.id, team.name) for team in teams.list_teams(db)),
    ]
    form.stage.choices = [
        SelectChoice(NO_STAGE, _l("No stage")),
        *(SelectChoice(stage.key, stage.name) for stage in journey_stages.list_stages(db)),
    ]
    return form


@bp.get("/")
@staff_view("touchpoints")
def index() -> Any:
    """Touchpoints grouped by journey stage, in journey order."""
    groups = interaction_history.touchpoints_by_stage(request_session())
    return render_template("staff/touchpoints/index.html", groups=groups)


@bp.route("/new", methods=["GET", "POST"])
@staff_view("touchpoints")
@edits_touchpoints
def create() -> Any:
    """Add a touchpoint with its stable key, owning team and journey stage."""
    form = _with_choices(TouchpointForm())
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                touchpoint = touchpoints.create_touchpoint(
                    db,
                    key=form.key.data,
                    name=form.name.data,
                    description=form.description.data or "",
                    team_id=form.team_id.data or None,
                    stage_key=form.stage.data or None,
                    clock=clock(),
                    actor=current_user,
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            flash(_("Touchpoint %(key)s was created.", key=touchpoint.key), "success")
            return redirect(url_for("touchpoints.show", touchpoint_id=touchpoint.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("staff/touchpoints/new.html", form=form), status


@bp.get("/<int:touchpoint_id>")
@staff_view("touchpoints")
def show(touchpoint_id: int) -> Any:
    """A touchpoint's details, its rules and its newest interactions with their outcome."""
    page = interaction_history.touchpoint_page(request_session(), touchpoint_id)
    return render_template("staff/touchpoints/show.html", page=page)
