"""Touchpoints, journey stages and trigger rules: what is sent to whom, when, and why not."""

from flask import Blueprint

bp = Blueprint("touchpoints", __name__, url_prefix="/touchpoints")

# Importing the view modules registers their routes on bp.
from surveyapp.web.touchpoints import (  # noqa: E402, F401
    interaction_views,
    rule_views,
    stage_views,
    views,
)
