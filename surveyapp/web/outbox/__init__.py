"""The built-in outbox viewer: what the installation would have mailed (embedded mode)."""

from flask import Blueprint

bp = Blueprint("outbox", __name__, url_prefix="/outbox")

# Importing the view module registers its routes on bp.
from surveyapp.web.outbox import views as views  # noqa: E402
