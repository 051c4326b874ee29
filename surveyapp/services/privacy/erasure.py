"""Erasing a contact (service layer): every row about them, in one transaction.

Erasure removes or pseudonymises the personal data of every table in the contact's footprint
(``footprint``), keeps what statistics need (scores, states, times, the rollups), keeps the
consent ledger as proof without its evidence, and keeps only a hash of the address as a
suppression so the person is never written to again. The contact row stays, with its
external id, so the company's system cannot fill it in again (``contacts.upsert_contact``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, String, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from surveyapp.domain.case_mail import CaseMailKind, CaseMailState
from surveyapp.domain.clock import Clock
from surveyapp.domain.states import InvitationState, ReminderState, move_invitation
from surveyapp.domain.tokens import generate_token, hash_token
from surveyapp.models import (
    AuditEvent,
    Case,
    CaseEvent,
    CaseMail,
    ConsentEvent,
    Contact,
    Goodwill,
    Interaction,
    Invitation,
    InvitationEvent,
    Kudos,
    OutboxMessage,
    Response,
    SuppressedAddress,
    User,
)
from surveyapp.services import audit
from surveyapp.services.privacy import footprint
from surveyapp.services.privacy.footprint import (
    REDACTED,
    Footprint,
    json_needles,
    mentions,
    redact,
)
from surveyapp.services.privacy.outbox import messages_mentioning

log = logging.getLogger(__name__)

ERASED_REASON = "erased"  # the suppression reason, and the invitations' suppression reason
CONTACT_ERASED = "contact_erased"
_PENDING = (InvitationState.PLANNED, InvitationState.QUEUED)
_PENDING_MAIL = (CaseMailState.QUEUED,)


def erase_contact(
    session: Session, contact_id: int, *, clock: Clock, actor: User | None
) -> Contact:
    """Erase everything personal about contact ``contact_id``; returns the contact.

    All or nothing: the work runs in a savepoint, so a failure part-way leaves every row as
    it was (and the caller's transaction usable) before the error propagates. Idempotent: a
    repeated erasure finds nothing left to remove and is audited as a repeat. ``actor`` is
    ``None`` when the system erases (retention). The caller commits. Raises ``NotFound``.
    """
    with session.begin_nested():
        # Locked: two erasures (a request and the retention sweep) do not interleave.
        contact = footprint.get_contact(session, contact_id, lock=True)
        repeat = contact.erased_at is not None
        found = footprint.footprint_of(session, contact)
        texts = _identifying_texts(session, found)
        _suppress_address(session, contact.email, clock.now())
        _erase_interactions(session, found)
        _erase_invitations(session, found, texts)
        _erase_responses(session, found)
        _erase_cases(session, found, texts)
        _erase_outbox(session, contact, texts)
        _scrub_audit_trail(session, contact.email, texts)
        _erase_contact_row(session, contact, clock.now())
        audit.record(
            session,
            "contact.erased",
            clock=clock,
            actor=actor,
            target=contact,
            details={"repeat": True} if repeat else {},
        )
        session.flush()
    log.info("Contact %s erased by %s", contact.id, f"user {actor.id}" if actor else "system")
    return contact


def _identifying_texts(session: Session, found: Footprint) -> tuple[str, ...]:
    """The address, the name and the comments: searched for in rows outside the footprint."""
    comments = [
        text
        for response in session.scalars(select(Response).where(Response.id.in_(found.response_ids)))
        for text in footprint.comments_of(response)
    ]
    contact = found.contact
    return footprint.needles([contact.email, contact.name, *comments])


def _suppress_address(session: Session, email: str | None, now: datetime) -> None:
    """Keep only the address's hash, as the strongest suppression, without provider text."""
    if not email:
        return
    email_hash = hash_token(email.strip().lower())
    existing = session.get(SuppressedAddress, email_hash)
    if existing is None:
        session.add(SuppressedAddress(email_hash=email_hash, reason=ERASED_REASON, created_at=now))
        return
    existing.reason = ERASED_REASON
    existing.detail = None  # a bounce's SMTP text names the address


def _erase_interactions(session: Session, found: Footprint) -> None:
    """Drop the payload; the company's event id becomes its hash (still unique)."""
    for interaction in session.scalars(
        select(Interaction).where(Interaction.id.in_(found.interaction_ids))
    ):
        interaction.attributes = {}
        if not interaction.idempotency_key.startswith(f"{ERASED_REASON}:"):
            interaction.idempotency_key = (
                f"{ERASED_REASON}:{hash_token(interaction.idempotency_key)}"
            )


def _erase_invitations(session: Session, found: Footprint, texts: Sequence[str]) -> None:
    """Stop what is pending, kill the links, and scrub what mail servers answered."""
    patterns = json_needles(texts)
    for invitation in session.scalars(
        select(Invitation).where(Invitation.id.in_(found.invitation_ids))
    ):
        if invitation.state in _PENDING:
            invitation.state = move_invitation(invitation.state, InvitationState.SUPPRESSED)
            invitation.suppression_reasons = [*invitation.suppression_reasons, CONTACT_ERASED]
            invitation.send_at = None
        if invitation.reminder_state == ReminderState.DUE:
            invitation.reminder_state = ReminderState.SKIPPED
        # A new random hash: the links in mails already sent open nothing any more.
        invitation.token_hash = hash_token(generate_token())
        invitation.last_error = None
        invitation.checks = redact(invitation.checks, patterns)
    for event in session.scalars(
        select(InvitationEvent).where(InvitationEvent.invitation_id.in_(found.invitation_ids))
    ):
        if mentions(event.detail, texts):
            event.detail = redact(event.detail, texts)


def _erase_responses(session: Session, found: Footprint) -> None:
    """Remove the comments; scores, categories and times stay for the statistics."""
    for response in session.scalars(select(Response).where(Response.id.in_(found.response_ids))):
        keys = footprint.text_answer_keys(response)
        response.answers = {k: v for k, v in response.answers.items() if k not in keys}
        response.has_comment = False
        response.anonymous_key = None
    session.execute(
        update(Kudos).where(Kudos.response_id.in_(found.response_ids)).values(comment="")
    )


def _erase_cases(session: Session, found: Footprint, texts: Sequence[str]) -> None:
    """Clear what staff wrote about and to the customer; statuses, times and money stay."""
    patterns = json_needles(texts)
    session.execute(update(Case).where(Case.id.in_(found.case_ids)).values(resolution=""))
    for event in session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(found.case_ids))):
        event.body = ""
        event.details = redact(event.details, patterns)
    for mail in session.scalars(select(CaseMail).where(CaseMail.case_id.in_(found.case_ids))):
        mail.last_error = None
        if mail.kind == CaseMailKind.CLOSE_LOOP and mail.state in _PENDING_MAIL:
            mail.state = CaseMailState.FAILED  # never sent to an erased customer
            mail.last_error = CONTACT_ERASED
        # Notices to staff keep their (staff) recipient; the customer's address goes.
        mail.recipient = redact(mail.recipient, texts)
        mail.recipient_name = None
        mail.body = ""
    session.execute(update(Goodwill).where(Goodwill.case_id.in_(found.case_ids)).values(note=""))


def _erase_outbox(session: Session, contact: Contact, texts: Sequence[str]) -> None:
    """Delete kept mail to the address, and staff mail quoting the name or a comment."""
    ids = set(messages_mentioning(session, texts, since=contact.created_at))
    if contact.email:
        address = contact.email.strip().lower()
        ids.update(
            session.scalars(
                select(OutboxMessage.id).where(func.lower(OutboxMessage.recipient) == address)
            )
        )
    if ids:
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))


def _scrub_audit_trail(session: Session, email: str | None, texts: Sequence[str]) -> None:
    """Redact the texts wherever an audit entry's details quote them.

    A label is replaced only when it is the address itself (a sign-in attempt with it):
    a name may be part of a colleague's address, and the trail must keep who acted.
    """
    patterns = json_needles(texts)
    details = cast(AuditEvent.details, String)
    address = (email or "").strip().lower()
    conditions: list[ColumnElement[bool]] = [
        details.ilike(f"%{_escaped(p)}%", escape="\\") for p in patterns
    ]
    if address:
        conditions.append(func.lower(AuditEvent.actor_label) == address)
    if not conditions:
        return
    for event in session.scalars(select(AuditEvent).where(or_(*conditions))):
        event.details = redact(event.details, patterns)
        if event.actor_label.lower() == address:
            event.actor_label = REDACTED


def _erase_contact_row(session: Session, contact: Contact, now: datetime) -> None:
    """Clear the contact's fields; the ledger stays as proof without its evidence."""
    contact.email = None
    contact.name = None
    contact.locale = None
    contact.timezone = None
    contact.attributes = {}
    contact.erased_at = contact.erased_at or now
    contact.updated_at = now
    session.execute(
        update(ConsentEvent)
        .where(ConsentEvent.contact_id == contact.id)
        .values(ip_hash=None, user_agent=None)
    )


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
