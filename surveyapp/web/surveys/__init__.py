"""Survey design: the builder, translations, preview, publishing and test links."""

from flask import Blueprint

bp = Blueprint("surveys", __name__, url_prefix="/surveys")

# Importing the view modules registers their routes on bp.
from surveyapp.web.surveys import (  # noqa: E402, F401
    preview_views,
    question_views,
    settings_views,
    views,
)
