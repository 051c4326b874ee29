"""Consent: recording grants and withdrawals, deciding whether a contact may be surveyed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.consent import (
    PURPOSE_FEEDBACK,
    ConsentAction,
    ConsentChannel,
    ConsentDecision,
    ConsentPolicy,
    ConsentSource,
    LedgerEntry,
    decide,
    latest_action,
)
from surveyapp.domain.i18n import N_
from surveyapp.domain.states import InvitationState, move_invitation
from surveyapp.domain.tokens import hash_token
from surveyapp.models import (
    Channel,
    ConsentEvent,
    ConsentSetting,
    ConsentText,
    Contact,
    Invitation,
    User,
)
from surveyapp.services import audit
from surveyapp.services.errors import Conflict, ValidationFailed

log = logging.getLogger(__name__)

# Until a CX owner decides, nobody is surveyed without having said yes.
DEFAULT_POLICY = ConsentPolicy.OPT_IN
MAX_CONSENT_TEXT = 5000


def record_event(
    session: Session,
    contact: Contact,
    *,
    channel: ConsentChannel,
    action: ConsentAction,
    source: ConsentSource,
    clock: Clock,
    occurred_at: datetime | None = None,
    text_version_id: int | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> ConsentEvent:
    """Append a grant or withdrawal to the contact's ledger (never updates an entry). Flushes.

    ``occurred_at`` defaults to now; the IP is stored only as a hash. A withdrawal suppresses
    at once every invitation still planned or queued for the contact on that channel, with
    the reason ``consent_withdrawn``.
    """
    _refuse_erased(contact)
    now = clock.now()
    event = ConsentEvent(
        **_event_row(contact, channel, action, source, now),
        text_version_id=text_version_id,
        ip_hash=hash_token(ip) if ip else None,
        user_agent=(user_agent or None) and user_agent[:400],
        occurred_at=occurred_at or now,
    )
    session.add(event)
    if action == ConsentAction.WITHDRAWN:
        cancelled = suppress_pending_invitations(session, [contact.id], channel)
        if cancelled:
            log.info("Consent withdrawn: %d pending invitations suppressed", cancelled)
    session.flush()
    log.debug("Consent %s on %s for contact %s (%s)", action, channel, contact.id, source)
    return event


def record_events(
    session: Session,
    changes: Sequence[tuple[Contact, ConsentChannel, ConsentAction]],
    *,
    source: ConsentSource,
    clock: Clock,
) -> None:
    """``record_event`` for many contacts at once (an import): one insert, one suppression.

    The events carry no text version or evidence beyond their source. Flushed contacts only.
    """
    if not changes:
        return
    for contact, _, _ in changes:
        _refuse_erased(contact)
    now = clock.now()
    rows = [
        {**_event_row(contact, channel, action, source, now), "occurred_at": now}
        for contact, channel, action in changes
    ]
    session.execute(insert(ConsentEvent), rows)  # an executemany: no ids needed back
    for channel in ConsentChannel:
        withdrawn = [
            contact.id
            for contact, on, action in changes
            if on == channel and action == ConsentAction.WITHDRAWN
        ]
        if withdrawn:
            suppress_pending_invitations(session, withdrawn, channel)
    session.flush()
    log.info("Consent: %d events recorded (%s)", len(rows), source)


def _refuse_erased(contact: Contact) -> None:
    if contact.erased_at is not None:
        raise Conflict(N_("This contact was erased; nothing more is recorded about them."))


def _event_row(
    contact: Contact,
    channel: ConsentChannel,
    action: ConsentAction,
    source: ConsentSource,
    now: datetime,
) -> dict[str, Any]:
    return {
        "contact_id": contact.id,
        "purpose": PURPOSE_FEEDBACK,
        "channel": channel,
        "action": action,
        "source": source,
        "recorded_at": now,
    }


def suppress_pending_invitations(
    session: Session, contact_ids: Sequence[int], channel: ConsentChannel
) -> int:
    """Suppress the contacts' planned and queued invitations on ``channel``; returns how many."""
    invitation_channel = Channel.EMAIL if channel == ConsentChannel.EMAIL else Channel.WEB
    pending = session.scalars(
        select(Invitation).where(
            Invitation.contact_id.in_(contact_ids),
            Invitation.channel == invitation_channel,
            Invitation.state.in_((InvitationState.PLANNED, InvitationState.QUEUED)),
        )
    ).all()
    for invitation in pending:
        invitation.state = move_invitation(invitation.state, InvitationState.SUPPRESSED)
        invitation.suppression_reasons = [*invitation.suppression_reasons, "consent_withdrawn"]
        invitation.send_at = None
    return len(pending)


def ledger(session: Session, contact_id: int) -> Sequence[ConsentEvent]:
    """The contact's consent events, oldest first."""
    query = (
        select(ConsentEvent)
        .where(ConsentEvent.contact_id == contact_id)
        .order_by(ConsentEvent.occurred_at, ConsentEvent.id)
    )
    return session.scalars(query).all()


def policy_for(session: Session, channel: ConsentChannel) -> ConsentPolicy:
    """The workspace's policy for ``channel`` (opt-in until set)."""
    setting = session.get(ConsentSetting, channel)
    return setting.policy if setting else DEFAULT_POLICY


def set_policy(
    session: Session,
    channel: ConsentChannel,
    policy: ConsentPolicy,
    *,
    clock: Clock,
    actor: User,
) -> None:
    """Choose opt-in or opt-out for a channel; audited as ``consent.policy_changed``. Flushes."""
    setting = session.get(ConsentSetting, channel)
    previous = setting.policy if setting else DEFAULT_POLICY
    if setting is None:
        setting = ConsentSetting(channel=channel, policy=policy, updated_at=clock.now())
        session.add(setting)
    setting.policy = policy
    setting.updated_at = clock.now()
    audit.record(
        session,
        "consent.policy_changed",
        clock=clock,
        actor=actor,
        details={"channel": channel, "from": previous, "to": policy},
    )
    session.flush()


def decision_for(session: Session, contact_id: int, channel: ConsentChannel) -> ConsentDecision:
    """Whether the contact may be surveyed on ``channel`` now, with the policy and the reason."""
    entries = [
        LedgerEntry(channel=e.channel, action=e.action, occurred_at=e.occurred_at, sequence=e.id)
        for e in ledger(session, contact_id)
    ]
    return decide(policy_for(session, channel), latest_action(entries, channel))


def save_consent_text(
    session: Session, *, locale: str, body: str, clock: Clock, actor: User
) -> ConsentText:
    """Store a new version of the consent wording for ``locale``. Flushes."""
    clean = body.strip()
    if not clean or len(clean) > MAX_CONSENT_TEXT:
        raise ValidationFailed.on_field(
            "body", N_("Enter the consent text (at most 5,000 characters).")
        )
    current = session.scalar(
        select(func.max(ConsentText.version)).where(ConsentText.locale == locale)
    )
    text = ConsentText(
        locale=locale,
        version=(current or 0) + 1,
        body=clean,
        created_at=clock.now(),
        created_by_id=actor.id,
    )
    session.add(text)
    session.flush()
    audit.record(
        session,
        "consent.text_saved",
        clock=clock,
        actor=actor,
        target=text,
        details={"locale": locale, "version": text.version},
    )
    return text


def current_consent_text(session: Session, locale: str) -> ConsentText | None:
    """The newest consent wording for ``locale``, if any."""
    query = (
        select(ConsentText)
        .where(ConsentText.locale == locale)
        .order_by(ConsentText.version.desc())
        .limit(1)
    )
    return session.scalars(query).first()
