"""One invitation's story for staff: its facts, every dispatch step, and its link fetches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.models import (
    Contact,
    Interaction,
    Invitation,
    InvitationEvent,
    LinkFetch,
    Survey,
    SurveyVersion,
    Touchpoint,
    TriggerRule,
    User,
)
from surveyapp.services.dispatch.queue import is_reminder_releasable, is_replayable
from surveyapp.services.errors import NotFound

# A link scanner fetches a few URLs; a page of fetches is plenty to judge one.
LINK_FETCHES_SHOWN = 100


@dataclass(frozen=True)
class TimelineEvent:
    """One step on the timeline and the name of the staff member who took it (if any)."""

    event: InvitationEvent
    actor_name: str | None


@dataclass(frozen=True)
class InvitationTimeline:
    """Everything the timeline page shows about one invitation."""

    invitation: Invitation
    contact: Contact | None
    touchpoint: Touchpoint | None
    rule: TriggerRule | None
    survey: Survey
    version_number: int
    events: Sequence[TimelineEvent]
    link_fetches: Sequence[LinkFetch]
    is_replayable: bool
    is_reminder_releasable: bool


def get_timeline(session: Session, invitation_id: int, *, clock: Clock) -> InvitationTimeline:
    """The invitation's facts, its events oldest first and its first link fetches.

    Raises ``NotFound`` for an unknown id. Reads only; four queries.
    """
    invitation = session.scalars(
        select(Invitation)
        .where(Invitation.id == invitation_id)
        .options(
            joinedload(Invitation.contact),
            joinedload(Invitation.trigger_rule),
            joinedload(Invitation.interaction).joinedload(Interaction.touchpoint),
            joinedload(Invitation.survey_version).joinedload(SurveyVersion.survey),
        )
    ).one_or_none()
    if invitation is None:
        raise NotFound(N_("This invitation does not exist."))
    now = clock.now()
    interaction = invitation.interaction
    return InvitationTimeline(
        invitation=invitation,
        contact=invitation.contact,
        touchpoint=interaction.touchpoint if interaction else None,
        rule=invitation.trigger_rule,
        survey=invitation.survey_version.survey,
        version_number=invitation.survey_version.number,
        events=list_events(session, invitation.id),
        link_fetches=list_link_fetches(session, invitation.id),
        is_replayable=is_replayable(invitation, now),
        is_reminder_releasable=is_reminder_releasable(invitation, now),
    )


def list_events(session: Session, invitation_id: int) -> Sequence[TimelineEvent]:
    """The invitation's dispatch events, oldest first, with the acting staff member's name."""
    query = (
        select(InvitationEvent, User.name)
        .outerjoin(User, User.id == InvitationEvent.actor_id)
        .where(InvitationEvent.invitation_id == invitation_id)
        .order_by(InvitationEvent.occurred_at, InvitationEvent.id)
    )
    return [TimelineEvent(event, name) for event, name in session.execute(query)]


def list_link_fetches(
    session: Session, invitation_id: int, *, limit: int = LINK_FETCHES_SHOWN
) -> Sequence[LinkFetch]:
    """The first ``limit`` fetches of the invitation's links, oldest first."""
    query = (
        select(LinkFetch)
        .where(LinkFetch.invitation_id == invitation_id)
        .order_by(LinkFetch.fetched_at, LinkFetch.id)
        .limit(limit)
    )
    return session.scalars(query).all()
