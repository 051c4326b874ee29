"""Survey settings: name, kind, languages, texts per language, anonymous link, edit window."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from surveyapp.domain.survey_definition import SurveyDefinition
from surveyapp.models import Survey, SurveyKind, SurveyStatus
from surveyapp.services import surveys
from surveyapp.services.errors import ValidationFailed
from surveyapp.services.surveys import SUPPORTED_SURVEY_LOCALES
from surveyapp.web.decorators import staff_view
from surveyapp.web.surveys import bp
from surveyapp.web.surveys.access import edits_surveys
from surveyapp.web.surveys.forms import SettingsForm, settings_data, settings_form_class
from surveyapp.web.uow import clock, request_session, unit_of_work

# The second submit button: show the text fields of the languages just ticked, save nothing.
REFRESH_BUTTON = "refresh_languages"


@bp.route("/<int:survey_id>/settings", methods=["GET", "POST"])
@staff_view("surveys")
@edits_surveys
def settings(survey_id: int) -> Any:
    """Change the settings; new languages get their text fields when the page is shown again."""
    survey = surveys.get_survey(request_session(), survey_id)
    definition = surveys.draft_of(survey)
    form_class = settings_form_class(_languages_shown(definition))
    form = form_class(data=settings_data(survey, definition))
    if REFRESH_BUTTON not in request.form and form.validate_on_submit():
        try:
            _save(form, survey_id)
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            added = set(form.locales.data) - set(definition.locales)
            if added:
                flash(_("Settings saved. Add the texts of the new languages below."), "success")
                return redirect(url_for("surveys.settings", survey_id=survey_id), 303)
            flash(_("Settings saved."), "success")
            return redirect(url_for("surveys.show", survey_id=survey_id), 303)
    status = 400 if form.errors else 200
    page = render_template(
        "staff/surveys/settings.html",
        survey=survey,
        form=form,
        is_active=survey.status == SurveyStatus.ACTIVE,
        refresh_button=REFRESH_BUTTON,
        anonymous_link=_anonymous_link(survey),
    )
    return page, status


def _languages_shown(definition: SurveyDefinition) -> list[str]:
    # On POST the ticked languages decide which text fields exist; otherwise the draft's.
    ticked = [code for code in request.form.getlist("locales") if code in SUPPORTED_SURVEY_LOCALES]
    return ticked or list(definition.locales)


def _anonymous_link(survey: Survey) -> str | None:
    if not survey.link_enabled:
        return None
    return url_for("public.link", slug=survey.link_slug, _external=True)


def _save(form: SettingsForm, survey_id: int) -> None:
    with unit_of_work() as db:
        surveys.update_settings(
            db,
            survey_id,
            name=form.name.data,
            kind=SurveyKind(form.kind.data),
            locales=form.locales.data,
            default_locale=form.default_locale.data,
            intro=form.texts("intro"),
            thank_you=form.texts("thank_you"),
            edit_window_minutes=form.edit_window_minutes.data,
            link_enabled=bool(form.link_enabled.data),
            clock=clock(),
            actor=current_user,
        )
