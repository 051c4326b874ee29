"""Report files: the PDF report, CSV and JSON lines exports, and report subscriptions."""

from flask import Blueprint

bp = Blueprint("report_files", __name__, url_prefix="/reports")

from surveyapp.web.report_files import subscription_views, views  # noqa: E402, F401 -- routes
