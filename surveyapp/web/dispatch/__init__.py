"""Sending: the queue per state, one invitation's timeline, and the dead letters to replay."""

from flask import Blueprint

bp = Blueprint("dispatch", __name__, url_prefix="/dispatch")

# Importing the view module registers its routes on bp.
from surveyapp.web.dispatch import views as views  # noqa: E402
