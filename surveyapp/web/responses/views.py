"""Response list and detail views."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_login import current_user

from surveyapp.services import responses, surveys
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.decorators import staff_view
from surveyapp.web.responses import bp
from surveyapp.web.responses.forms import CHANNEL_LABELS, ResponseFilterForm
from surveyapp.web.responses.presenters import (
    STATUS_HINTS,
    STATUS_LABELS,
    language_name,
    response_detail,
    response_rows,
)
from surveyapp.web.uow import request_session

LABELS = {
    "channel_labels": CHANNEL_LABELS,
    "status_labels": STATUS_LABELS,
    "language_name": language_name,
}


@bp.get("/")
@staff_view("responses")
def index() -> Any:
    """Responses, newest first, narrowed by the filters in the query string."""
    db = request_session()
    # Archived surveys stay filterable: their responses are still listed.
    survey_list = surveys.list_surveys(db, include_archived=True)
    form = ResponseFilterForm(request.args, surveys=survey_list)
    page = None
    if form.validate():
        try:
            page = responses.list_responses(
                db, form.to_filters(), cursor=form.cursor.data or None, viewer=current_user
            )
        except ValidationFailed as error:
            form.apply_service_errors(error)
    names = {survey.id: survey.name for survey in survey_list}
    rows = response_rows(page.items, names) if page else []
    html = render_template("staff/responses/index.html", form=form, page=page, rows=rows, **LABELS)
    return html, 400 if form.errors else 200


@bp.get("/<int:response_id>")
@staff_view("responses")
def detail(response_id: int) -> Any:
    """One response: every answer in the respondent's wording, scores and provenance."""
    response = responses.get_response(request_session(), response_id, viewer=current_user)
    return render_template(
        "staff/responses/detail.html",
        response=response,
        detail=response_detail(response, response.survey_version),
        status_hints=STATUS_HINTS,
        **LABELS,
    )
