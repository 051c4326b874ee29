"""Reports: the dashboard, the journey view, the improvement log and the "last 20" review."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from surveyapp.web.reports import views  # noqa: E402, F401 -- registers the routes on bp
