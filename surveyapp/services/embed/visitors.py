"""Who is on the page: a contact the site identified (signed id) or an anonymous visitor.

An identified visitor is the contact with the company's external id; the site proves it by
signing the id with its secret (HMAC-SHA256), so nobody can answer as someone else. An
anonymous visitor is recognised by a random id that embed.js keeps in the host page's
localStorage; it stands for a pseudonymous contact whose external id is a hash of the site and
that id (``visitor:…``), created only when a survey is actually shown. Consent, recontact
periods and answers then work for both exactly as for any contact.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.embed import (
    VISITOR_ID,
    is_signature_valid,
    is_visitor,
    site_secret,
    visitor_external_id,
)
from surveyapp.domain.i18n import N_
from surveyapp.models import Contact
from surveyapp.services import contacts
from surveyapp.services.embed.facts import SiteView
from surveyapp.services.errors import PermissionDenied, ValidationFailed


@dataclass(frozen=True)
class Visitor:
    """What the page says about its visitor: a signed contact id, or its browser's id."""

    contact_id: str | None = None
    signature: str | None = None
    anonymous_id: str | None = None


@dataclass(frozen=True)
class Identified:
    """The external id of the visitor's contact, and whether the visitor is anonymous."""

    external_id: str
    is_anonymous: bool


def identify(site: SiteView, visitor: Visitor, *, app_secret: str) -> Identified | None:
    """The visitor's contact id; ``None`` for an anonymous visitor without a usable browser id.

    A contact id needs a valid signature (``PermissionDenied`` otherwise, compared in
    constant time). Reads nothing.
    """
    if visitor.contact_id is not None:
        external_id = visitor.contact_id.strip()
        if not external_id or len(external_id) > contacts.MAX_EXTERNAL_ID:
            raise ValidationFailed.on_field(
                "contact_id", N_("Give a contact id of 1 to 120 characters.")
            )
        secret = site_secret(app_secret, site.secret_salt)
        if is_visitor(external_id) or not is_signature_valid(
            secret, external_id, visitor.signature or ""
        ):
            raise PermissionDenied(N_("The contact id's signature is not valid for this site."))
        return Identified(external_id, is_anonymous=False)
    if visitor.anonymous_id and VISITOR_ID.fullmatch(visitor.anonymous_id):
        return Identified(visitor_external_id(site.id, visitor.anonymous_id), is_anonymous=True)
    return None


def stored_contact(session: Session, external_id: str, *, locale: str, clock: Clock) -> Contact:
    """The contact with this external id, created now (with the page's locale) if new.

    Flushes.
    """
    contact = contacts.find_by_external_id(session, external_id)
    if contact is None:
        now = clock.now()
        contact = Contact(
            external_id=external_id, attributes={}, locale=locale, created_at=now, updated_at=now
        )
        session.add(contact)
        session.flush()
    return contact
