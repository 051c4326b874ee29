"""Survey builder views."""

from __future__ import annotations

from typing import Any

from flask import render_template

from surveyapp.services import surveys
from surveyapp.web.decorators import staff_view
from surveyapp.web.surveys import bp
from surveyapp.web.uow import request_session


@bp.get("/")
@staff_view("surveys")
def index() -> Any:
    """All active surveys."""
    return render_template(
        "staff/section_empty.html",
        section="surveys",
        surveys=surveys.list_surveys(request_session()),
    )
