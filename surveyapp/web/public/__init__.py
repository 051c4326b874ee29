"""Respondent pages: personal and anonymous survey links. No sign-in, own rate limits."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from surveyapp.web.public import errors, preferences, views  # noqa: E402, F401 -- registers routes
