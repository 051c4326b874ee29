"""Contacts: upserting by external id, searching, and the privacy rights (export, erasure)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.tokens import hash_token
from surveyapp.models import Contact, SuppressedAddress, User
from surveyapp.services import contact_access
from surveyapp.services.errors import NotFound, ValidationFailed
from surveyapp.services.privacy import erasure
from surveyapp.services.privacy import export as privacy_export

log = logging.getLogger(__name__)

MAX_EXTERNAL_ID = 120
MAX_NAME = 200
MAX_ATTRIBUTES = 50


@dataclass(frozen=True)
class ContactData:
    """The fields of a contact as an integrator or an import sends them."""

    external_id: str
    email: str | None = None
    name: str | None = None
    locale: str | None = None
    timezone: str | None = None
    attributes: Mapping[str, Any] | None = None


def normalise(data: ContactData) -> ContactData:
    """Check and clean ``data``; ``ValidationFailed`` lists every field that is wrong."""
    errors: dict[str, str] = {}
    external_id = data.external_id.strip()
    if not external_id or len(external_id) > MAX_EXTERNAL_ID:
        errors["external_id"] = N_("Give an external id of 1 to 120 characters.")
    email = _normalised_email(data.email, errors)
    name = (data.name or "").strip() or None
    if name and len(name) > MAX_NAME:
        errors["name"] = N_("Use at most 200 characters.")
    locale = (data.locale or "").strip().lower() or None
    if locale and not (2 <= len(locale) <= 8):  # noqa: PLR2004 -- BCP 47 language tags
        errors["locale"] = N_("Give a language code such as en or de.")
    timezone = (data.timezone or "").strip() or None
    if timezone and not _is_timezone(timezone):
        errors["timezone"] = N_("Give an IANA time zone such as Europe/Berlin.")
    attributes = dict(data.attributes or {})
    if len(attributes) > MAX_ATTRIBUTES or not all(isinstance(k, str) for k in attributes):
        errors["attributes"] = N_("Give at most 50 attributes with text names.")
    if errors:
        raise ValidationFailed(N_("Please check the contact's fields."), errors)
    return ContactData(external_id, email, name, locale, timezone, attributes)


def upsert_contact(session: Session, data: ContactData, *, clock: Clock) -> tuple[Contact, bool]:
    """Create the contact or update the one with the same external id; returns (contact, created).

    Fields given as ``None`` keep their stored value; attributes are merged. An erased contact
    is never re-filled with personal data (``ValidationFailed``). Flushes.
    """
    clean = normalise(data)
    contact = find_by_external_id(session, clean.external_id)
    now = clock.now()
    created = contact is None
    if contact is None:
        contact = Contact(external_id=clean.external_id, attributes={}, created_at=now)
        session.add(contact)
    elif contact.erased_at is not None:
        raise ValidationFailed.on_field(
            "external_id", N_("This contact was erased and cannot be filled in again.")
        )
    apply_fields(contact, clean)
    contact.updated_at = now
    session.flush()
    return contact, created


def apply_fields(contact: Contact, clean: ContactData) -> None:
    """Copy the given (not ``None``) fields of ``clean`` onto ``contact``; merge attributes."""
    for field_name in ("email", "name", "locale", "timezone"):
        value = getattr(clean, field_name)
        if value is not None:
            setattr(contact, field_name, value)
    if clean.attributes:
        contact.attributes = {**contact.attributes, **clean.attributes}


def find_by_external_id(session: Session, external_id: str) -> Contact | None:
    """The contact with this external id, if any."""
    query = select(Contact).where(Contact.external_id == external_id.strip())
    return session.scalars(query).one_or_none()


def get_contact(session: Session, contact_id: int) -> Contact:
    """The contact or ``NotFound``."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(N_("This contact does not exist."))
    return contact


def search_contacts(
    session: Session, text: str = "", *, limit: int = 50, viewer: User | None = None
) -> Sequence[Contact]:
    """Contacts whose external id, email or name contains ``text`` (any case), newest first.

    With a ``viewer``, only the contacts they may open (``services/contact_access.py``).
    """
    query = select(Contact).order_by(Contact.updated_at.desc(), Contact.id.desc()).limit(limit)
    if viewer is not None:
        query = query.where(contact_access.readable_by(viewer))
    needle = text.strip().lower()
    if needle:
        pattern = f"%{needle}%"
        query = query.where(
            or_(
                func.lower(Contact.external_id).like(pattern),
                func.lower(Contact.email).like(pattern),
                func.lower(Contact.name).like(pattern),
            )
        )
    return session.scalars(query).all()


def is_suppressed(session: Session, email: str) -> bool:
    """Whether this address belongs to an erased contact (never contact it again)."""
    return session.get(SuppressedAddress, hash_token(email.strip().lower())) is not None


def export_contact(
    session: Session, contact_id: int, *, clock: Clock, actor: User
) -> dict[str, Any]:
    """Everything stored about a contact (an access request): ``privacy.export``."""
    return privacy_export.export_contact(session, contact_id, clock=clock, actor=actor)


def erase_contact(
    session: Session, contact_id: int, *, clock: Clock, actor: User | None
) -> Contact:
    """Erase a contact's personal data everywhere, in one transaction: ``privacy.erasure``."""
    return erasure.erase_contact(session, contact_id, clock=clock, actor=actor)


def _normalised_email(raw: str | None, errors: dict[str, str]) -> str | None:
    if raw is None or not raw.strip():
        return None
    email = _valid_email(raw.strip())
    if email is None:
        errors["email"] = N_("Enter a valid email address.")
    return email


@lru_cache(maxsize=8192)
def _valid_email(address: str) -> str | None:
    """The normalised address, or ``None`` when invalid.

    Cached: imports and the API send the same customers' addresses again and again, and the
    full check is the costly part of taking in a contact.
    """
    try:
        return validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def _is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
