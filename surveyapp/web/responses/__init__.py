"""Staff reading survey responses: filtered list and detail."""

from flask import Blueprint

bp = Blueprint("responses", __name__, url_prefix="/responses")

from surveyapp.web.responses import views  # noqa: E402, F401 -- registers the routes on bp
