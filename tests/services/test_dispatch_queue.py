"""The sending queue as staff read it: counts per state, next sends, dead letters, timelines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.dispatch import EventKind
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState, ReminderState
from surveyapp.models import InvitationEvent, LinkFetch, TriggerRule
from surveyapp.services import invitations
from surveyapp.services.dispatch import queue, timeline
from surveyapp.services.errors import NotFound
from tests.factories import (
    make_dispatch_rule,
    make_dispatched_invitation,
    make_published_survey,
    make_user,
)

FAILED, UNCERTAIN, QUEUED, SENT = (
    InvitationState.FAILED,
    InvitationState.UNCERTAIN,
    InvitationState.QUEUED,
    InvitationState.SENT,
)


@pytest.fixture
def rule(session: Session, clock: FixedClock) -> TriggerRule:
    return make_dispatch_rule(session, clock)


def _event(session: Session, invitation_id: int, kind: EventKind, at: object, **fields: object):  # type: ignore[no-untyped-def]
    event = InvitationEvent(invitation_id=invitation_id, occurred_at=at, kind=kind.value, **fields)
    session.add(event)
    session.flush()
    return event


@pytest.mark.usefixtures("rule")
def test_counts_cover_every_state_with_zeros_and_only_email(
    session: Session, clock: FixedClock
) -> None:
    for key, state in [("1", QUEUED), ("2", QUEUED), ("3", FAILED), ("4", UNCERTAIN), ("5", SENT)]:
        make_dispatched_invitation(session, clock, key, state)
    survey, _ = make_published_survey(session, name="Tried out")
    invitations.create_test_invitation(  # a test link: sent, but never through the queue
        session, survey.id, locale="en", clock=clock, actor=make_user(session)
    )
    counts = queue.count_by_state(session)
    assert list(counts) == list(InvitationState)
    assert counts == {
        **dict.fromkeys(InvitationState, 0),
        QUEUED: 2,
        FAILED: 1,
        UNCERTAIN: 1,
        SENT: 1,
    }
    assert queue.count_dead_letters(session) == (2, 0)


@pytest.mark.usefixtures("rule")
def test_overview_lists_next_sends_soonest_first_and_newest_failures_with_their_answer(
    session: Session, clock: FixedClock
) -> None:
    later = make_dispatched_invitation(session, clock, "later", QUEUED, name="Lena Later")
    sooner = make_dispatched_invitation(session, clock, "sooner", QUEUED, name="Sam Sooner")
    later.send_at = clock.now() + timedelta(hours=2)
    sooner.send_at = clock.now() + timedelta(minutes=5)
    old = make_dispatched_invitation(
        session, clock, "old", FAILED, last_error="550 5.1.1 <c-old@example.com>: no such user"
    )
    new = make_dispatched_invitation(
        session, clock, "new", UNCERTAIN, last_error="connection lost after DATA"
    )
    _event(session, old.id, EventKind.FAILED, clock.now() - timedelta(hours=3))
    _event(session, new.id, EventKind.UNCERTAIN, clock.now() - timedelta(minutes=1))

    overview = queue.queue_overview(session, clock=clock)

    assert [e.invitation.id for e in overview.next_sends] == [sooner.id, later.id]
    first = overview.next_sends[0]
    assert first.contact is not None
    assert (first.contact.name, first.contact.email) == ("Sam Sooner", "c-sooner@example.com")
    assert first.touchpoint is not None
    assert first.touchpoint.name == "Ticket closed"
    assert first.survey_name == "After support"
    assert [e.invitation.id for e in overview.failures] == [new.id, old.id]
    assert overview.failures[1].invitation.last_error == (
        "550 5.1.1 <c-old@example.com>: no such user"
    )
    assert overview.failures[1].changed_at == clock.now() - timedelta(hours=3)
    assert (overview.dead_letters, overview.stuck_reminders) == (2, 0)
    assert overview.counts[QUEUED] == 2


@pytest.mark.usefixtures("rule")
def test_dead_letters_are_paged_and_stuck_reminders_come_along(
    session: Session, clock: FixedClock
) -> None:
    failed = [
        make_dispatched_invitation(session, clock, f"f{n}", FAILED, last_error=f"error {n}")
        for n in range(3)
    ]
    for number, invitation in enumerate(failed):
        _event(session, invitation.id, EventKind.FAILED, clock.now() + timedelta(minutes=number))
    reminded = make_dispatched_invitation(session, clock, "r", SENT)
    reminded.reminder_state = ReminderState.UNCERTAIN
    reminded.reminder_due_at = clock.now()
    make_dispatched_invitation(session, clock, "ok", SENT).reminder_state = ReminderState.SENT
    session.flush()

    first = queue.list_dead_letters(session, page=1, per_page=2)
    second = queue.list_dead_letters(session, page=2, per_page=2)

    assert [e.invitation.id for e in first.entries] == [failed[2].id, failed[1].id]
    assert [e.invitation.id for e in second.entries] == [failed[0].id]
    assert (first.total, first.has_next, first.has_previous) == (3, True, False)
    assert (second.has_next, second.has_previous) == (False, True)
    assert [e.invitation.id for e in first.reminders] == [reminded.id]
    assert queue.count_dead_letters(session) == (3, 1)


@pytest.mark.usefixtures("rule")
def test_timeline_tells_the_facts_the_steps_oldest_first_and_the_link_fetches(
    session: Session, clock: FixedClock
) -> None:
    admin = make_user(session, role=Role.ADMIN, name="Ada Admin")
    invitation = make_dispatched_invitation(session, clock, "t", SENT)
    start = clock.now()
    _event(session, invitation.id, EventKind.SENT, start + timedelta(minutes=2), worker_id="w-1")
    _event(session, invitation.id, EventKind.CLAIMED, start + timedelta(minutes=1), attempt=1)
    _event(session, invitation.id, EventKind.REPLAYED, start, actor_id=admin.id, detail="failed")
    session.add(LinkFetch(invitation_id=invitation.id, score=9, fetched_at=start))
    session.flush()

    story = timeline.get_timeline(session, invitation.id, clock=clock)

    assert story.invitation.id == invitation.id
    assert story.contact is not None
    assert story.contact.external_id == "C-t"
    assert story.touchpoint is not None
    assert story.rule is not None
    assert (story.survey.name, story.version_number) == ("After support", 1)
    kinds = [(item.event.kind, item.actor_name) for item in story.events]
    assert kinds == [("replayed", "Ada Admin"), ("claimed", None), ("sent", None)]
    assert [fetch.score for fetch in story.link_fetches] == [9]
    assert (story.is_replayable, story.is_reminder_releasable) == (False, False)
    with pytest.raises(NotFound):
        timeline.get_timeline(session, 999_999, clock=clock)
