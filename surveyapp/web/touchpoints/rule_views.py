"""Trigger rule views: creating and changing a rule, its dry run, its response rates."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from surveyapp.models import Touchpoint, TriggerRule
from surveyapp.services import interaction_history, segment_rates, trigger_rules
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.decorators import staff_view
from surveyapp.web.touchpoints import bp
from surveyapp.web.touchpoints.access import edits_touchpoints
from surveyapp.web.touchpoints.rule_form import RuleForm
from surveyapp.web.touchpoints.rule_settings import rule_data, rule_settings
from surveyapp.web.uow import clock, request_session, unit_of_work

MAX_ATTRIBUTE_NAME = 100


def _with_surveys(form: RuleForm, current_survey_id: int | None) -> tuple[RuleForm, bool]:
    """Offer the published surveys (and the rule's own, marked, if it is not published).

    Returns the form and whether the rule's current survey has no published version.
    """
    choices, current_unpublished = [], False
    for survey, published in interaction_history.survey_choices(request_session()):
        if published:
            choices.append(SelectChoice(survey.id, survey.name))
        elif survey.id == current_survey_id:
            current_unpublished = True
            label = _("%(name)s (not published)", name=survey.name)
            choices.append(SelectChoice(survey.id, label))
    form.survey_id.choices = choices
    return form, current_unpublished


def _rule_page(
    form: RuleForm, touchpoint: Touchpoint, rule: TriggerRule | None, unpublished: bool
) -> Any:
    status = 400 if form.errors or form.form_errors else 200
    page = render_template(
        "staff/touchpoints/rule_form.html",
        form=form,
        touchpoint=touchpoint,
        rule=rule,
        survey_unpublished=unpublished,
        policies=interaction_history.consent_policies(request_session()),
    )
    return page, status


@bp.route("/<int:touchpoint_id>/rules/new", methods=["GET", "POST"])
@staff_view("touchpoints")
@edits_touchpoints
def rule_create(touchpoint_id: int) -> Any:
    """Add a trigger rule to a touchpoint."""
    touchpoint = interaction_history.get_touchpoint(request_session(), touchpoint_id)
    form, unpublished = _with_surveys(RuleForm(), None)
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                rule = trigger_rules.save_rule(
                    db, rule_settings(form, touchpoint.id), clock=clock(), actor=current_user
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            flash(_("Rule %(name)s was saved.", name=rule.name), "success")
            return redirect(url_for("touchpoints.show", touchpoint_id=touchpoint.id))
    return _rule_page(form, touchpoint, None, unpublished)


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@staff_view("touchpoints")
@edits_touchpoints
def rule_edit(rule_id: int) -> Any:
    """Every setting of a rule; viewers see them without being able to change them."""
    rule = trigger_rules.get_rule(request_session(), rule_id)
    data = rule_data(rule) if request.method == "GET" else None
    form, unpublished = _with_surveys(RuleForm(data=data), rule.survey_id)
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                trigger_rules.save_rule(
                    db,
                    rule_settings(form, rule.touchpoint_id),
                    rule_id=rule.id,
                    clock=clock(),
                    actor=current_user,
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            flash(_("Rule %(name)s was saved.", name=rule.name), "success")
            return redirect(url_for("touchpoints.show", touchpoint_id=rule.touchpoint_id))
    return _rule_page(form, rule.touchpoint, rule, unpublished)


@bp.get("/rules/<int:rule_id>/dry-run")
@staff_view("touchpoints")
def rule_dry_run(rule_id: int) -> Any:
    """What the rule would decide now for the touchpoint's last 100 interactions.

    Runs outside a unit of work: nothing is committed, and the decisions store nothing.
    """
    result = interaction_history.dry_run(request_session(), rule_id, clock=clock())
    return render_template("staff/touchpoints/dry_run.html", result=result)


@bp.get("/rules/<int:rule_id>/segments")
@staff_view("touchpoints")
def rule_segments(rule_id: int) -> Any:
    """The rule's response rate per segment of customers (non-response bias)."""
    attribute = request.args.get("attribute", "").strip()[:MAX_ATTRIBUTE_NAME] or None
    report = segment_rates.response_rates(request_session(), rule_id, attribute=attribute)
    return render_template(
        "staff/touchpoints/segments.html",
        report=report,
        percent=lambda rate: format_percent(rate, "#,##0.0%"),
    )
