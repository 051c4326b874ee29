"""The staff home page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from surveyapp.services import system
from surveyapp.web.decorators import staff_view
from surveyapp.web.uow import clock, request_session

bp = Blueprint("home", __name__)


@bp.get("/")
@staff_view("home")
def index() -> Any:
    """Where every staff member lands after signing in."""
    status = system.scheduler_status(request_session(), clock=clock())
    return render_template("staff/home/index.html", scheduler=status)
