"""Response list and detail views."""

from __future__ import annotations

from typing import Any

from flask import render_template

from surveyapp.web.decorators import staff_view
from surveyapp.web.responses import bp


@bp.get("/")
@staff_view("responses")
def index() -> Any:
    """Responses, newest first."""
    return render_template("staff/section_empty.html", section="responses")
