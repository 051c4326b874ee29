"""Signing in and out, and each user's own account settings."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from surveyapp.web.auth import views  # noqa: E402, F401 -- registers the routes on bp
