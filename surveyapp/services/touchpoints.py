"""Touchpoints, journey stages and the interactions companies report at them."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.models import Contact, Interaction, Invitation, JourneyStage, Touchpoint, User
from surveyapp.services import audit, contacts, planning
from surveyapp.services.contacts import ContactData
from surveyapp.services.errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

TOUCHPOINT_KEY = re.compile(r"[a-z0-9][a-z0-9_.-]{1,118}[a-z0-9]")
DEFAULT_STAGES = (
    ("awareness", "Awareness"),
    ("purchase", "Purchase"),
    ("onboarding", "Onboarding"),
    ("usage", "Usage"),
    ("support", "Support"),
    ("renewal", "Renewal"),
    ("cancellation", "Cancellation"),
)


@dataclass(frozen=True)
class InteractionData:
    """An interaction as a company's system reports it."""

    idempotency_key: str
    touchpoint_key: str
    contact: ContactData
    occurred_at: datetime
    attributes: Mapping[str, Any] = field(default_factory=dict)
    contact_channel: str | None = None
    agent_external_id: str | None = None
    agent_name: str | None = None
    first_response_seconds: int | None = None
    resolution_seconds: int | None = None
    solved_first_contact: bool | None = None


@dataclass(frozen=True)
class RecordedInteraction:
    """The stored interaction, whether this call created it, and its invitations."""

    interaction: Interaction
    created: bool
    invitations: list[Invitation]


def ensure_default_stages(session: Session) -> Sequence[JourneyStage]:
    """Create the standard journey stages when there are none yet. Flushes."""
    if session.scalar(select(func.count()).select_from(JourneyStage)) == 0:
        for position, (key, name) in enumerate(DEFAULT_STAGES):
            session.add(JourneyStage(key=key, name=name, position=position))
        session.flush()
    return session.scalars(select(JourneyStage).order_by(JourneyStage.position)).all()


def create_touchpoint(
    session: Session,
    *,
    key: str,
    name: str,
    description: str = "",
    team_id: int | None = None,
    stage_key: str | None = None,
    clock: Clock,
    actor: User | None,
) -> Touchpoint:
    """Create a touchpoint with a stable key such as ``support.ticket_closed``. Flushes."""
    clean_key = key.strip().lower()
    if not TOUCHPOINT_KEY.fullmatch(clean_key):
        raise ValidationFailed.on_field(
            "key", N_("Use 3 to 120 lower-case letters, digits, dots, dashes or underscores.")
        )
    if find_touchpoint(session, clean_key) is not None:
        raise ValidationFailed.on_field("key", N_("A touchpoint with this key already exists."))
    stage = None
    if stage_key:
        stages = {s.key: s for s in ensure_default_stages(session)}
        stage = stages.get(stage_key)
        if stage is None:
            raise ValidationFailed.on_field("stage", N_("Choose a journey stage from the list."))
    touchpoint = Touchpoint(
        key=clean_key,
        name=name.strip() or clean_key,
        description=description.strip(),
        team_id=team_id,
        stage_id=stage.id if stage else None,
        created_at=clock.now(),
    )
    session.add(touchpoint)
    session.flush()
    audit.record(session, "touchpoint.created", clock=clock, actor=actor, target=touchpoint)
    return touchpoint


def find_touchpoint(session: Session, key: str) -> Touchpoint | None:
    """The touchpoint with ``key``, if any."""
    return session.scalars(select(Touchpoint).where(Touchpoint.key == key)).one_or_none()


def list_touchpoints(session: Session) -> Sequence[Touchpoint]:
    """All touchpoints by key."""
    return session.scalars(select(Touchpoint).order_by(Touchpoint.key)).all()


def record_interaction(
    session: Session, data: InteractionData, *, clock: Clock
) -> RecordedInteraction:
    """Store an interaction (upserting its contact) and plan its invitation.

    Idempotent on ``idempotency_key``: posting the same interaction again returns the stored
    one and its invitations, and creates nothing. Raises ``ValidationFailed`` for an unknown
    touchpoint or bad contact fields, and ``NotFound`` never. Flushes.
    """
    key = data.idempotency_key.strip()
    if not key or len(key) > 200:  # noqa: PLR2004 -- the column's size
        raise ValidationFailed.on_field("id", N_("Give an interaction id of 1 to 200 characters."))
    existing = session.scalars(
        select(Interaction).where(Interaction.idempotency_key == key)
    ).one_or_none()
    if existing is not None:
        return RecordedInteraction(
            existing, False, planning.plan_invitations(session, existing, clock=clock)
        )
    touchpoint = find_touchpoint(session, data.touchpoint_key.strip().lower())
    if touchpoint is None:
        raise ValidationFailed.on_field("touchpoint", N_("There is no touchpoint with this key."))
    contact, _ = contacts.upsert_contact(session, data.contact, clock=clock)
    interaction = new_interaction(data, touchpoint, contact, clock=clock)
    interaction.touchpoint = touchpoint
    interaction.contact = contact
    session.add(interaction)
    session.flush()
    invitations = planning.plan_new_interaction(session, interaction, clock=clock)
    return RecordedInteraction(interaction, True, invitations)


def new_interaction(
    data: InteractionData, touchpoint: Touchpoint, contact: Contact, *, clock: Clock
) -> Interaction:
    """An unsaved interaction of ``data`` at ``touchpoint`` for ``contact``, received now."""
    return Interaction(
        idempotency_key=data.idempotency_key.strip(),
        touchpoint_id=touchpoint.id,
        contact_id=contact.id,
        occurred_at=data.occurred_at,
        received_at=clock.now(),
        attributes=dict(data.attributes),
        contact_channel=data.contact_channel,
        agent_external_id=data.agent_external_id,
        agent_name=data.agent_name,
        first_response_seconds=data.first_response_seconds,
        resolution_seconds=data.resolution_seconds,
        solved_first_contact=data.solved_first_contact,
    )


def get_interaction(session: Session, interaction_id: int) -> Interaction:
    """The interaction or ``NotFound``."""
    interaction = session.get(Interaction, interaction_id)
    if interaction is None:
        raise NotFound(N_("This interaction does not exist."))
    return interaction
