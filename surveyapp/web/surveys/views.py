"""Survey builder views: the list, creating a survey, the builder page, publishing, archiving."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from surveyapp.models import Survey, SurveyKind, SurveyStatus
from surveyapp.services import invitations, surveys
from surveyapp.services.errors import Conflict, ValidationFailed
from surveyapp.services.surveys import PublishBlocked
from surveyapp.web.decorators import staff_view
from surveyapp.web.surveys import bp
from surveyapp.web.surveys.access import edits_surveys, may_edit_surveys
from surveyapp.web.surveys.builder_page import builder_page, newest_version, published_locales
from surveyapp.web.surveys.forms import AddQuestionForm, NewSurveyForm, TestLinkForm
from surveyapp.web.surveys.labels import (
    KIND_LABELS,
    QUESTION_TYPE_LABELS,
    STATUS_LABELS,
    locale_name,
)
from surveyapp.web.uow import clock, request_session, unit_of_work


@bp.context_processor
def _builder_context() -> dict[str, Any]:
    return {
        "may_edit": may_edit_surveys(),
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "question_type_labels": QUESTION_TYPE_LABELS,
        "locale_name": locale_name,
    }


@bp.errorhandler(Conflict)
def _conflict(error: Conflict) -> Any:
    """An archived survey, or nothing to publish: say so on the survey's page."""
    flash(_(error.message), "warning")
    survey_id = (request.view_args or {}).get("survey_id")
    if survey_id is None:
        return redirect(url_for("surveys.index"), 303)
    return redirect(url_for("surveys.show", survey_id=survey_id), 303)


@bp.get("/")
@staff_view("surveys")
def index() -> Any:
    """Active surveys (and archived ones on request) with their newest version."""
    include_archived = request.args.get("archived") == "1"
    listed = surveys.list_surveys(request_session(), include_archived=include_archived)
    rows = [(survey, newest_version(survey)) for survey in listed]
    return render_template("staff/surveys/list.html", rows=rows, include_archived=include_archived)


@bp.route("/new", methods=["GET", "POST"])
@staff_view("surveys")
@edits_surveys
def create() -> Any:
    """Start a survey, blank or from the NPS, CSAT or CES 2.0 template."""
    form = NewSurveyForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                survey = surveys.create_survey(
                    db,
                    name=form.name.data,
                    kind=SurveyKind(form.kind.data),
                    template=form.template_name,
                    clock=clock(),
                    actor=current_user,
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            flash(_("Survey %(name)s was created.", name=survey.name), "success")
            return redirect(url_for("surveys.show", survey_id=survey.id), 303)
    status = 400 if form.errors else 200
    return render_template("staff/surveys/new.html", form=form), status


@bp.get("/<int:survey_id>")
@staff_view("surveys")
def show(survey_id: int) -> Any:
    """The builder: settings, questions, what blocks publishing, versions and test links."""
    return render_builder(surveys.get_survey(request_session(), survey_id))


def render_builder(
    survey: Survey,
    *,
    status: int = 200,
    blocked: PublishBlocked | None = None,
    test_link_form: TestLinkForm | None = None,
) -> Any:
    """The builder page of ``survey``; ``blocked`` after a refused publish (status 400)."""
    page = builder_page(survey)
    html = render_template(
        "staff/surveys/builder.html",
        survey=survey,
        page=page,
        is_active=survey.status == SurveyStatus.ACTIVE,
        blocked_message=_(blocked.message) if blocked else None,
        add_question_form=AddQuestionForm(formdata=None),
        test_link_form=test_link_form or TestLinkForm(page.published_locales, formdata=None),
    )
    return html, status


@bp.post("/<int:survey_id>/publish")
@staff_view("surveys")
@edits_surveys
def publish(survey_id: int) -> Any:
    """Freeze the draft into a new version, or list what must be fixed first."""
    try:
        with unit_of_work() as db:
            version = surveys.publish(db, survey_id, clock=clock(), actor=current_user)
    except PublishBlocked as blocked:
        survey = surveys.get_survey(request_session(), survey_id)
        return render_builder(survey, status=400, blocked=blocked)
    flash(_("Version %(number)s was published.", number=version.number), "success")
    return redirect(url_for("surveys.show", survey_id=survey_id), 303)


@bp.post("/<int:survey_id>/archive")
@staff_view("surveys")
@edits_surveys
def archive(survey_id: int) -> Any:
    """Archive a survey: hidden from the list, closed for answers and edits."""
    with unit_of_work() as db:
        surveys.set_archived(db, survey_id, True, clock=clock(), actor=current_user)
    flash(_("The survey was archived. Restore it to change or use it again."), "success")
    return redirect(url_for("surveys.show", survey_id=survey_id), 303)


@bp.post("/<int:survey_id>/restore")
@staff_view("surveys")
@edits_surveys
def restore(survey_id: int) -> Any:
    """Bring an archived survey back."""
    with unit_of_work() as db:
        surveys.set_archived(db, survey_id, False, clock=clock(), actor=current_user)
    flash(_("The survey was restored."), "success")
    return redirect(url_for("surveys.show", survey_id=survey_id), 303)


@bp.post("/<int:survey_id>/test-link")
@staff_view("surveys")
@edits_surveys
def create_test_link(survey_id: int) -> Any:
    """A personal link to the newest version; its token is shown this once only."""
    survey = surveys.get_survey(request_session(), survey_id)
    form = TestLinkForm(published_locales(survey))
    if not form.validate_on_submit():
        return render_builder(survey, status=400, test_link_form=form)
    with unit_of_work() as db:
        created = invitations.create_test_invitation(
            db, survey_id, locale=form.locale.data, clock=clock(), actor=current_user
        )
    url = url_for("public.invitation", token=created.token, _external=True)
    return render_template("staff/surveys/test_link.html", survey=survey, url=url)
