"""Websites that embed surveys: their origins, public key, signing secret and look."""

from flask import Blueprint

bp = Blueprint("sites", __name__, url_prefix="/sites")

from surveyapp.web.sites import views  # noqa: E402, F401 -- registers the routes on bp
