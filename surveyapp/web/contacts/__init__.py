"""Contacts: the customer list and detail, the consent ledger and settings, CSV import."""

from flask import Blueprint, request
from flask_login import current_user

from surveyapp.services import contact_access
from surveyapp.web.uow import request_session

bp = Blueprint("contacts", __name__, url_prefix="/contacts")


@bp.before_request
def _only_contacts_the_user_may_open() -> None:
    """Every page and action on one contact first checks the object-level rule (403)."""
    contact_id = (request.view_args or {}).get("contact_id")
    if contact_id is not None and current_user.is_authenticated:
        contact_access.check_may_read(request_session(), current_user, contact_id)


# Importing the view modules registers their routes on bp.
from surveyapp.web.contacts import settings_views as settings_views  # noqa: E402
from surveyapp.web.contacts import views as views  # noqa: E402
