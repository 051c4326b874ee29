"""Health check for load balancers and process supervisors."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from surveyapp.services import system
from surveyapp.web.uow import request_session

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers, 503 otherwise; never needs a session or cookie."""
    if system.is_database_reachable(request_session()):
        return jsonify(status="ok", database="ok"), 200
    return jsonify(status="unavailable", database="unreachable"), 503
