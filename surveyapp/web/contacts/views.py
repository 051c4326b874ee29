"""Contact list and detail: consent ledger and decisions, staff consent actions, privacy rights."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentSource
from surveyapp.domain.i18n import N_
from surveyapp.models import Contact
from surveyapp.services import audit, consent, contact_history, contacts
from surveyapp.services.errors import Conflict
from surveyapp.web.contacts import bp
from surveyapp.web.contacts.access import CONSENT_ROLES, permissions
from surveyapp.web.contacts.forms import (
    ConsentRecordForm,
    ContactSearchForm,
    EraseForm,
)
from surveyapp.web.contacts.labels import LABELS
from surveyapp.web.decorators import changes_need, staff_view
from surveyapp.web.touchpoints.labels import STATE_LABELS
from surveyapp.web.uow import clock, request_session, unit_of_work

PAGE_SIZE = 50
# Download names keep letters, digits, dots, dashes and underscores of the external id.
UNSAFE_FILENAME_CHARACTERS = re.compile(r"[^\w.-]+")


@bp.get("/")
@staff_view("contacts")
def index() -> Any:
    """Contacts matching the search, most recently changed first, with their consent."""
    form = ContactSearchForm(request.args)
    valid = form.validate()
    text = (form.q.data or "") if valid else ""
    db = request_session()
    found = contacts.search_contacts(db, text, limit=PAGE_SIZE, viewer=current_user)
    page = render_template(
        "staff/contacts/index.html",
        form=form,
        contacts=found,
        consent_states=contact_history.consent_at_a_glance(db, [c.id for c in found]),
        policies=contact_history.current_policies(db),
        page_size=PAGE_SIZE,
        **permissions(),
        **LABELS,
    )
    return page, 200 if valid else 400


@bp.get("/<int:contact_id>")
@staff_view("contacts")
def detail(contact_id: int) -> Any:
    """Everything about one contact: fields, consent, invitations and responses."""
    return _detail_page(contact_id)


@bp.post("/<int:contact_id>/consent")
@staff_view("contacts")
@changes_need(CONSENT_ROLES)
def record_consent(contact_id: int) -> Any:
    """Append a grant or withdrawal the contact gave a staff member to the ledger."""
    form = ConsentRecordForm()
    if not form.validate_on_submit():
        return _detail_page(contact_id, consent_form=form, status=400)
    channel, action = ConsentChannel(form.channel.data), ConsentAction(form.action.data)
    with unit_of_work() as db:
        contact = _not_erased(contacts.get_contact(db, contact_id))
        consent.record_event(
            db, contact, channel=channel, action=action, source=ConsentSource.STAFF, clock=clock()
        )
        audit.record(
            db,
            "consent.recorded_by_staff",
            clock=clock(),
            actor=current_user,
            target=contact,
            details={"channel": channel.value, "action": action.value},
        )
    flash(_("The consent ledger was updated."), "success")
    return redirect(url_for("contacts.detail", contact_id=contact_id))


@bp.post("/<int:contact_id>/export")
@staff_view("contacts")
@changes_need(CONSENT_ROLES)
def export(contact_id: int) -> Any:
    """Download everything stored about the contact as JSON (an access request; audited)."""
    with unit_of_work() as db:
        data = contacts.export_contact(db, contact_id, clock=clock(), actor=current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    safe_id = UNSAFE_FILENAME_CHARACTERS.sub("_", data["contact"]["external_id"])
    response = send_file(
        io.BytesIO(body),
        mimetype="application/json",
        as_attachment=True,
        download_name=f"contact-{safe_id}.json",
    )
    response.headers["Cache-Control"] = "no-store"  # personal data stays out of caches
    return response


@bp.post("/<int:contact_id>/erase")
@staff_view("admin")  # admins only: erasure cannot be undone
def erase(contact_id: int) -> Any:
    """Erase the contact's personal data once the external id was typed as confirmation."""
    contact = _not_erased(contacts.get_contact(request_session(), contact_id))
    form = EraseForm(external_id=contact.external_id)
    if not form.validate_on_submit():
        return _detail_page(contact_id, erase_form=form, status=400)
    with unit_of_work() as db:
        contacts.erase_contact(db, contact_id, clock=clock(), actor=current_user)
    flash(_("The contact's personal data was erased."), "success")
    return redirect(url_for("contacts.detail", contact_id=contact_id))


def _detail_page(
    contact_id: int,
    *,
    consent_form: ConsentRecordForm | None = None,
    erase_form: EraseForm | None = None,
    status: int = 200,
) -> Any:
    overview = contact_history.get_contact_overview(request_session(), contact_id)
    page = render_template(
        "staff/contacts/detail.html",
        overview=overview,
        contact=overview.contact,
        consent_form=consent_form or ConsentRecordForm(),
        erase_form=erase_form or EraseForm(external_id=overview.contact.external_id),
        state_labels=STATE_LABELS,
        **permissions(),
        **LABELS,
    )
    return page, status


def _not_erased(contact: Contact) -> Contact:
    if contact.erased_at is not None:
        raise Conflict(N_("This contact was erased; nothing more can be recorded about it."))
    return contact
