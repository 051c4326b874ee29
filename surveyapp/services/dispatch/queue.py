"""The sending queue as staff see it: counts per state, the next sends, the dead letters.

Dead letters are failed and uncertain sends (and failed and uncertain reminders); an admin
puts them back into the queue with ``services/dispatch/replay.py``. Everything here reads only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ScalarSelect, Select, func, select
from sqlalchemy.orm import Session, joinedload

from surveyapp.domain.clock import Clock
from surveyapp.domain.states import InvitationState, ReminderState
from surveyapp.models import (
    Channel,
    Contact,
    Interaction,
    Invitation,
    InvitationEvent,
    SurveyVersion,
    Touchpoint,
)

DEAD_LETTER_STATES = (InvitationState.FAILED, InvitationState.UNCERTAIN)
STUCK_REMINDER_STATES = (ReminderState.FAILED, ReminderState.UNCERTAIN)
NEXT_SENDS_SHOWN = 20
FAILURES_SHOWN = 10
DEAD_LETTERS_PER_PAGE = 50
STUCK_REMINDERS_SHOWN = 50


@dataclass(frozen=True)
class QueueEntry:
    """One invitation in a list, with what the row shows about it."""

    invitation: Invitation
    contact: Contact | None
    touchpoint: Touchpoint | None
    survey_name: str
    # The newest step on its timeline: when it failed, became uncertain, or was queued again.
    last_event_at: datetime | None

    @property
    def changed_at(self) -> datetime | None:
        """When the row last changed (its newest event, else its planned send time)."""
        return self.last_event_at or self.invitation.send_at


@dataclass(frozen=True)
class QueueOverview:
    """The sending queue page: counts per state, the next sends, the newest failures."""

    counts: Mapping[InvitationState, int]
    next_sends: Sequence[QueueEntry]
    failures: Sequence[QueueEntry]
    dead_letters: int
    stuck_reminders: int
    now: datetime


@dataclass(frozen=True)
class DeadLetterPage:
    """One page of failed and uncertain invitations, newest change first."""

    entries: Sequence[QueueEntry]
    reminders: Sequence[QueueEntry]
    page: int
    per_page: int
    total: int

    @property
    def has_previous(self) -> bool:
        """Whether a newer page exists."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether an older page exists."""
        return self.page * self.per_page < self.total


def queue_overview(session: Session, *, clock: Clock) -> QueueOverview:
    """The sending queue at a glance; reads only.

    Counts of email invitations per state (every state, zeros included), the next queued
    sends (soonest first) and the newest dead letters (failed or uncertain).
    """
    dead_letters, stuck_reminders = count_dead_letters(session)
    next_sends = (
        _email()
        .where(Invitation.state == InvitationState.QUEUED)
        .order_by(Invitation.send_at, Invitation.id)
        .limit(NEXT_SENDS_SHOWN)
    )
    return QueueOverview(
        counts=count_by_state(session),
        next_sends=_entries(session, next_sends, with_last_event=False),
        failures=_dead_letters(session, limit=FAILURES_SHOWN, offset=0),
        dead_letters=dead_letters,
        stuck_reminders=stuck_reminders,
        now=clock.now(),
    )


def count_by_state(session: Session) -> dict[InvitationState, int]:
    """How many email invitations are in each state, in life-cycle order, zeros included."""
    # One grouped count; test links and web invitations never pass through the queue.
    found = dict(
        session.execute(
            select(Invitation.state, func.count())
            .where(Invitation.channel == Channel.EMAIL)
            .group_by(Invitation.state)
        ).all()
    )
    return {state: found.get(state, 0) for state in InvitationState}


def count_dead_letters(session: Session) -> tuple[int, int]:
    """Failed or uncertain invitations, and failed or uncertain reminders (one statement)."""
    invitations = (
        select(func.count())
        .select_from(Invitation)
        .where(Invitation.state.in_(DEAD_LETTER_STATES))
        .scalar_subquery()
    )
    reminders = (
        select(func.count())
        .select_from(Invitation)
        .where(Invitation.reminder_state.in_(STUCK_REMINDER_STATES))
        .scalar_subquery()
    )
    row = session.execute(select(invitations, reminders)).one()
    return int(row[0]), int(row[1])


def list_dead_letters(
    session: Session, *, page: int = 1, per_page: int = DEAD_LETTERS_PER_PAGE
) -> DeadLetterPage:
    """One page of failed and uncertain email invitations, newest change first.

    The failed and uncertain reminders (at most ``STUCK_REMINDERS_SHOWN``) come along.
    """
    page = max(page, 1)
    total = session.scalar(
        select(func.count())
        .select_from(Invitation)
        .where(Invitation.state.in_(DEAD_LETTER_STATES), Invitation.channel == Channel.EMAIL)
    )
    reminders = (
        _email()
        .where(Invitation.reminder_state.in_(STUCK_REMINDER_STATES))
        .order_by(Invitation.reminder_due_at.desc(), Invitation.id.desc())
        .limit(STUCK_REMINDERS_SHOWN)
    )
    return DeadLetterPage(
        entries=_dead_letters(session, limit=per_page, offset=(page - 1) * per_page),
        reminders=_entries(session, reminders, with_last_event=True),
        page=page,
        per_page=per_page,
        total=total or 0,
    )


def is_replayable(invitation: Invitation, now: datetime) -> bool:
    """Whether ``replay`` would re-queue the invitation.

    Only a failed or uncertain email whose link has not expired qualifies (an expired link
    could not be answered anyway).
    """
    return (
        invitation.channel == Channel.EMAIL
        and invitation.state in DEAD_LETTER_STATES
        and invitation.expires_at > now
    )


def is_reminder_releasable(invitation: Invitation, now: datetime) -> bool:
    """Whether ``release_reminders`` would make the invitation's reminder due again.

    The reminder failed or is uncertain, and the invitation was sent, is still unanswered
    and has not expired.
    """
    return (
        invitation.channel == Channel.EMAIL
        and invitation.reminder_state in STUCK_REMINDER_STATES
        and invitation.state == InvitationState.SENT
        and invitation.expires_at > now
    )


def _email() -> Select[Invitation]:
    return select(Invitation).where(Invitation.channel == Channel.EMAIL)


def _dead_letters(session: Session, *, limit: int, offset: int) -> list[QueueEntry]:
    query = (
        _email()
        .where(Invitation.state.in_(DEAD_LETTER_STATES))
        .order_by(func.coalesce(_last_event(), Invitation.send_at).desc(), Invitation.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return _entries(session, query, with_last_event=True)


def _last_event() -> ScalarSelect[datetime]:
    # Correlated per row; the (invitation_id, occurred_at) index answers it from the index.
    return (
        select(func.max(InvitationEvent.occurred_at))
        .where(InvitationEvent.invitation_id == Invitation.id)
        .correlate(Invitation)
        .scalar_subquery()
    )


def _entries(
    session: Session, query: Select[Invitation], *, with_last_event: bool
) -> list[QueueEntry]:
    """The rows of ``query`` with contact, touchpoint and survey loaded in the same statement."""
    loaded = query.options(
        joinedload(Invitation.contact),
        joinedload(Invitation.interaction).joinedload(Interaction.touchpoint),
        joinedload(Invitation.survey_version).joinedload(SurveyVersion.survey),
    )
    if not with_last_event:
        return [_entry(invitation, None) for invitation in session.scalars(loaded)]
    rows = session.execute(loaded.add_columns(_last_event()))
    return [_entry(invitation, last_event_at) for invitation, last_event_at in rows]


def _entry(invitation: Invitation, last_event_at: datetime | None) -> QueueEntry:
    interaction = invitation.interaction
    return QueueEntry(
        invitation=invitation,
        contact=invitation.contact,
        touchpoint=interaction.touchpoint if interaction else None,
        survey_name=invitation.survey_version.survey.name,
        last_event_at=last_event_at,
    )
