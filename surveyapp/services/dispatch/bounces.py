"""Delivery reports from the mail provider: hard bounces and spam complaints.

A report suppresses the address for good (only its hash is stored), suppresses every
invitation still waiting for it, and notes the report on the timeline of the invitation the
contact most recently received, so staff can see which message bounced or was reported.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.dispatch import EventKind
from surveyapp.domain.i18n import N_
from surveyapp.domain.states import InvitationState, move_invitation
from surveyapp.domain.tokens import hash_token
from surveyapp.models import Channel, Contact, Invitation, InvitationEvent, SuppressedAddress
from surveyapp.services.errors import ValidationFailed

log = logging.getLogger(__name__)

SUPPRESSED_ADDRESS = "suppressed_address"  # the invitation's suppression reason
PENDING_STATES = (InvitationState.PLANNED, InvitationState.QUEUED)
EMAIL_MAX = 254
DETAIL_MAX = 500


class DeliveryReportKind(StrEnum):
    """What the provider reported about an address; the value is the suppression reason."""

    HARD_BOUNCE = "hard_bounce"
    COMPLAINT = "complaint"


_EVENT_KINDS = {
    DeliveryReportKind.HARD_BOUNCE: EventKind.BOUNCED,
    DeliveryReportKind.COMPLAINT: EventKind.COMPLAINED,
}
# A suppression is never weakened: erasure is final, and a complaint (the person asked us to
# stop) outweighs a bounce (the mailbox is gone) or a refusal seen while sending.
_REASON_RANK = {"smtp_rejected": 1, "hard_bounce": 2, "complaint": 3, "erased": 4}


@dataclass(frozen=True)
class DeliveryReportOutcome:
    """What a report changed."""

    reason: str  # the address's suppression reason after the report
    suppressed_since: datetime
    is_repeat: bool  # the address was already suppressed at least as strongly
    invitations_suppressed: int
    reported_invitation_id: int | None  # where the bounce or complaint was noted, if anywhere


def normalise_address(email: str) -> str:
    """The form addresses are compared and hashed in: trimmed and lower case."""
    return email.strip().lower()


def find_suppression(session: Session, email: str) -> SuppressedAddress | None:
    """The suppression of ``email`` (erased, bounced, complained, refused), if any."""
    return session.get(SuppressedAddress, hash_token(normalise_address(email)))


def record_delivery_report(
    session: Session,
    *,
    email: str,
    kind: DeliveryReportKind,
    detail: str,
    occurred_at: datetime | None,
    clock: Clock,
) -> DeliveryReportOutcome:
    """Suppress ``email`` after a hard bounce or a complaint, with everything waiting for it.

    - The address is suppressed (insert, or a stronger reason replaces a weaker one; see
      ``_REASON_RANK``). ``occurred_at`` (default: now, UTC) is when it was first suppressed.
    - Planned and queued email invitations of every contact with this address become
      ``suppressed`` (reason ``suppressed_address``, with a ``suppressed`` event). Messages
      already being sent are left to the sender, which checks the address again.
    - A ``bounced`` or ``complained`` event with ``detail`` is added to the most recently
      sent email invitation of those contacts, once per invitation and kind.

    Idempotent: repeating a report changes nothing. Flushes; the caller commits (and audits).
    Raises ``ValidationFailed`` for an address without ``@``.
    """
    address = normalise_address(email)
    if "@" not in address or len(address) > EMAIL_MAX:
        raise ValidationFailed.on_field("email", N_("Enter a valid email address."))
    at = occurred_at or clock.now()
    clean_detail = detail.strip()[:DETAIL_MAX]
    suppression, is_repeat = _suppress_address(session, address, kind, clean_detail, at)
    contact_ids = list(session.scalars(select(Contact.id).where(Contact.email == address)))
    suppressed = _suppress_pending(session, contact_ids, kind, clock.now())
    reported, noted = _note_on_last_sent(session, contact_ids, kind, clean_detail, at)
    session.flush()
    is_repeat = is_repeat and not suppressed and not noted
    log.info(
        "Delivery report %s: %s invitations suppressed, repeat %s",
        kind.value,
        suppressed,
        is_repeat,
    )
    return DeliveryReportOutcome(
        reason=suppression.reason,
        suppressed_since=suppression.created_at,
        is_repeat=is_repeat,
        invitations_suppressed=suppressed,
        reported_invitation_id=reported,
    )


def _suppress_address(
    session: Session, address: str, kind: DeliveryReportKind, detail: str, at: datetime
) -> tuple[SuppressedAddress, bool]:
    email_hash = hash_token(address)
    existing = session.get(SuppressedAddress, email_hash, with_for_update=True)
    if existing is None:
        suppression = SuppressedAddress(
            email_hash=email_hash, reason=kind.value, created_at=at, detail=detail or None
        )
        session.add(suppression)
        return suppression, False
    if _REASON_RANK.get(existing.reason, 0) >= _REASON_RANK[kind.value]:
        return existing, True
    existing.reason = kind.value
    existing.detail = detail or None
    return existing, False


def _suppress_pending(
    session: Session, contact_ids: list[int], kind: DeliveryReportKind, now: datetime
) -> int:
    if not contact_ids:
        return 0
    # Locked so that a worker claiming the same rows either sees them suppressed or sends
    # first (then they are no longer queued, and its own send-time check sees the address).
    pending = session.scalars(
        select(Invitation)
        .where(
            Invitation.contact_id.in_(contact_ids),
            Invitation.channel == Channel.EMAIL,
            Invitation.state.in_(PENDING_STATES),
        )
        .order_by(Invitation.id)
        .with_for_update()
    ).all()
    for invitation in pending:
        invitation.state = move_invitation(invitation.state, InvitationState.SUPPRESSED)
        if SUPPRESSED_ADDRESS not in invitation.suppression_reasons:
            invitation.suppression_reasons = [*invitation.suppression_reasons, SUPPRESSED_ADDRESS]
        session.add(
            InvitationEvent(
                invitation_id=invitation.id,
                occurred_at=now,
                kind=EventKind.SUPPRESSED.value,
                detail=f"{SUPPRESSED_ADDRESS}: {kind.value}",
            )
        )
    return len(pending)


def _note_on_last_sent(
    session: Session,
    contact_ids: list[int],
    kind: DeliveryReportKind,
    detail: str,
    at: datetime,
) -> tuple[int | None, bool]:
    """The most recently sent invitation's id, and whether the report was noted on it now."""
    if not contact_ids:
        return None, False
    last_sent = session.scalar(
        select(Invitation.id)
        .where(
            Invitation.contact_id.in_(contact_ids),
            Invitation.channel == Channel.EMAIL,
            Invitation.sent_at.is_not(None),
        )
        .order_by(Invitation.sent_at.desc(), Invitation.id.desc())
        .limit(1)
    )
    if last_sent is None:
        return None, False
    event_kind = _EVENT_KINDS[kind]
    already = session.scalar(
        select(InvitationEvent.id)
        .where(InvitationEvent.invitation_id == last_sent, InvitationEvent.kind == event_kind.value)
        .limit(1)
    )
    if already is not None:
        return last_sent, False
    session.add(
        InvitationEvent(
            invitation_id=last_sent, occurred_at=at, kind=event_kind.value, detail=detail
        )
    )
    return last_sent, True
