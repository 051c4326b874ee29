"""Contacts: the customer list and detail, the consent ledger and settings, CSV import."""

from flask import Blueprint

bp = Blueprint("contacts", __name__, url_prefix="/contacts")

# Importing the view modules registers their routes on bp.
from surveyapp.web.contacts import settings_views as settings_views  # noqa: E402
from surveyapp.web.contacts import views as views  # noqa: E402
