"""Survey design: the builder, translations, preview, publishing and test links."""

from flask import Blueprint

bp = Blueprint("surveys", __name__, url_prefix="/surveys")

from surveyapp.web.surveys import views  # noqa: E402, F401 -- registers the routes on bp
