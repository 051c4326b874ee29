"""Previewing the draft in one language, on the public survey page a customer would see."""

from __future__ import annotations

from typing import Any

from flask import abort, url_for

from surveyapp.services import surveys
from surveyapp.web.decorators import staff_view
from surveyapp.web.public.rendering import LanguageLink, language_name, render_survey_page
from surveyapp.web.surveys import bp
from surveyapp.web.uow import request_session


@bp.get("/<int:survey_id>/preview/<locale>")
@staff_view("surveys")
def preview(survey_id: int, locale: str) -> Any:
    """The draft in ``locale`` with a "Preview" banner; its form cannot be submitted."""
    survey = surveys.get_survey(request_session(), survey_id)
    definition = surveys.draft_of(survey)
    if locale not in definition.locales:
        abort(404)
    languages = [
        LanguageLink(
            code=code,
            name=language_name(code),
            url=url_for("surveys.preview", survey_id=survey_id, locale=code),
            current=code == locale,
        )
        for code in definition.locales
    ]
    return render_survey_page(definition, locale, preview=True, language_links=languages)
