"""The contact's preference centre and one-click unsubscribe (RFC 8058).

Links carry a signed token naming the contact: unguessable without the installation's secret,
nothing stored, and every link of every email keeps working.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentDecision, ConsentSource
from surveyapp.domain.i18n import N_
from surveyapp.models import Contact
from surveyapp.services import consent
from surveyapp.services.errors import NotFound

log = logging.getLogger(__name__)

_SALT = "surveyapp.preferences"


@dataclass(frozen=True)
class ChannelPreference:
    """One channel as the preference centre shows it."""

    channel: ConsentChannel
    decision: ConsentDecision

    @property
    def is_allowed(self) -> bool:
        """Whether surveys may currently be sent on this channel."""
        return self.decision.allowed


def preference_token(contact: Contact, *, secret: str) -> str:
    """The token of the contact's preference centre link (stable, signed with ``secret``)."""
    return str(URLSafeSerializer(secret, salt=_SALT).dumps(contact.id))


def contact_for_token(session: Session, token: str, *, secret: str) -> Contact:
    """The contact a preference token names; ``NotFound`` for a forged or stale token."""
    try:
        contact_id = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except BadSignature:
        raise NotFound(N_("This link is not valid.")) from None
    contact = session.get(Contact, contact_id) if isinstance(contact_id, int) else None
    if contact is None or contact.erased_at is not None:
        raise NotFound(N_("This link is not valid."))
    return contact


def preferences(session: Session, contact: Contact) -> list[ChannelPreference]:
    """The contact's current choice per channel, as the workspace policy reads it."""
    return [
        ChannelPreference(channel, consent.decision_for(session, contact.id, channel))
        for channel in ConsentChannel
    ]


def set_preference(
    session: Session,
    contact: Contact,
    channel: ConsentChannel,
    *,
    allow: bool,
    source: ConsentSource,
    clock: Clock,
    ip: str | None = None,
    user_agent: str | None = None,
) -> None:
    """Record the contact's own grant or withdrawal; a withdrawal cancels pending invitations.

    Records nothing when the choice is already in force. Flushes.
    """
    current = consent.decision_for(session, contact.id, channel)
    wanted = ConsentAction.GRANTED if allow else ConsentAction.WITHDRAWN
    if current.latest == wanted:
        return
    text = consent.current_consent_text(session, contact.locale or "en")
    consent.record_event(
        session,
        contact,
        channel=channel,
        action=wanted,
        source=source,
        clock=clock,
        text_version_id=text.id if text and allow else None,
        ip=ip,
        user_agent=user_agent,
    )
