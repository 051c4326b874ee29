"""Administration: staff users, teams and the audit trail."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Imported for their routes on bp.
from surveyapp.web.admin import api_key_views, retention_views, views  # noqa: E402, F401
