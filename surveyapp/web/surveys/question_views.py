"""Survey questions: adding, editing, moving and removing them in the draft."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from surveyapp.domain.scoring import QuestionType
from surveyapp.models import Survey, SurveyStatus
from surveyapp.services import surveys
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.decorators import staff_view
from surveyapp.web.surveys import bp
from surveyapp.web.surveys.access import edits_surveys
from surveyapp.web.surveys.forms import AddQuestionForm, MoveForm
from surveyapp.web.surveys.labels import scale_text
from surveyapp.web.surveys.question_building import build_question, question_data
from surveyapp.web.surveys.question_forms import (
    QuestionContext,
    question_context,
    question_form_class,
)
from surveyapp.web.uow import clock, request_session, unit_of_work


@bp.route("/<int:survey_id>/questions/new", methods=["GET", "POST"])
@staff_view("surveys")
@edits_surveys
def question_new(survey_id: int) -> Any:
    """Add a question of the type chosen in ``?type=``; without one, offer the choice."""
    survey = surveys.get_survey(request_session(), survey_id)
    chooser = AddQuestionForm(formdata=request.args)
    if "type" not in request.args or not chooser.validate():
        status = 400 if chooser.errors else 200
        page = render_template("staff/surveys/question_type.html", survey=survey, form=chooser)
        return page, status
    definition = surveys.draft_of(survey)
    context = question_context(definition, QuestionType(chooser.type.data), existing=None)
    return _question_page(survey, context, definition.next_question_key())


@bp.route("/<int:survey_id>/questions/<question_key>", methods=["GET", "POST"])
@staff_view("surveys")
@edits_surveys
def question_edit(survey_id: int, question_key: str) -> Any:
    """Change a question's wording, whether it is required and its score band."""
    survey = surveys.get_survey(request_session(), survey_id)
    definition = surveys.draft_of(survey)
    try:
        existing = definition.question(question_key)
    except KeyError:
        abort(404)
    context = question_context(definition, existing.type, existing)
    return _question_page(survey, context, question_key)


def _question_page(survey: Survey, context: QuestionContext, key: str) -> Any:
    form = question_form_class(context)(data=question_data(context))
    if form.validate_on_submit():
        question = build_question(form, key)
        try:
            with unit_of_work() as db:
                surveys.save_question(db, survey.id, question, clock=clock(), actor=current_user)
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            flash(_("The question was saved."), "success")
            return redirect(url_for("surveys.show", survey_id=survey.id, _anchor=f"q-{key}"), 303)
    status = 400 if form.errors else 200
    page = render_template(
        "staff/surveys/question_form.html",
        survey=survey,
        form=form,
        context=context,
        key=key,
        is_active=survey.status == SurveyStatus.ACTIVE,
        scale=scale_text(context.question_type),
        band_scale=scale_text(context.band_rating.type) if context.band_rating else "",
    )
    return page, status


@bp.post("/<int:survey_id>/questions/<question_key>/move")
@staff_view("surveys")
@edits_surveys
def question_move(survey_id: int, question_key: str) -> Any:
    """Move a question one place up or down."""
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work() as db:
        surveys.move_question(
            db, survey_id, question_key, form.offset, clock=clock(), actor=current_user
        )
    return redirect(url_for("surveys.show", survey_id=survey_id, _anchor=f"q-{question_key}"), 303)


@bp.post("/<int:survey_id>/questions/<question_key>/remove")
@staff_view("surveys")
@edits_surveys
def question_remove(survey_id: int, question_key: str) -> Any:
    """Remove a question from the draft; published versions keep it."""
    with unit_of_work() as db:
        surveys.remove_question(db, survey_id, question_key, clock=clock(), actor=current_user)
    flash(_("The question was removed from the draft."), "success")
    return redirect(url_for("surveys.show", survey_id=survey_id), 303)
