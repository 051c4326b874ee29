"""Dead letters back into the queue: only failed or uncertain sends, only by admins, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.dispatch import EventKind
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState, ReminderState
from surveyapp.models import AuditEvent, Invitation, InvitationEvent, TriggerRule, User
from surveyapp.services.dispatch import bounces, checks, replay
from surveyapp.services.dispatch.bounces import DeliveryReportKind
from surveyapp.services.errors import PermissionDenied, ValidationFailed
from tests.factories import make_dispatch_rule, make_dispatched_invitation, make_user

FAILED, UNCERTAIN, SENT = InvitationState.FAILED, InvitationState.UNCERTAIN, InvitationState.SENT


@pytest.fixture
def rule(session: Session, clock: FixedClock) -> TriggerRule:
    return make_dispatch_rule(session, clock)


@pytest.fixture
def admin(session: Session) -> User:
    return make_user(session, role=Role.ADMIN)


def _events(session: Session, invitation: Invitation) -> list[InvitationEvent]:
    query = select(InvitationEvent).where(InvitationEvent.invitation_id == invitation.id)
    return list(session.scalars(query.order_by(InvitationEvent.id)))


def _audits(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.usefixtures("rule")
def test_failed_and_uncertain_invitations_are_queued_again_now_with_their_error_kept(
    session: Session, clock: FixedClock, admin: User
) -> None:
    failed = make_dispatched_invitation(
        session, clock, "f", FAILED, last_error="421 try later (6 attempts)", attempts=6
    )
    uncertain = make_dispatched_invitation(
        session, clock, "u", UNCERTAIN, last_error="lease ran out", attempts=1
    )
    uncertain.lease_owner = "worker-1"
    uncertain.lease_expires_at = clock.now() - timedelta(minutes=1)
    clock.advance(timedelta(hours=1))

    outcome = replay.replay(session, [failed.id, uncertain.id], actor=admin, clock=clock)

    assert (outcome.changed, outcome.refused) == (2, 0)
    for invitation in (failed, uncertain):
        assert invitation.state == InvitationState.QUEUED
        assert invitation.send_at == clock.now()
        assert invitation.attempts == 0
        assert (invitation.lease_owner, invitation.lease_expires_at) == (None, None)
        assert invitation.last_error is None
    [event] = _events(session, failed)
    assert (event.kind, event.actor_id, event.occurred_at) == ("replayed", admin.id, clock.now())
    assert event.detail == "failed: 421 try later (6 attempts)"
    assert _events(session, uncertain)[0].detail == "uncertain: lease ran out"
    [audit] = _audits(session, "dispatch.replayed")
    assert audit.actor_id == admin.id
    assert audit.details == {"invitation_ids": sorted([failed.id, uncertain.id]), "refused": 0}


@pytest.mark.usefixtures("rule")
def test_replay_refuses_sent_queued_expired_and_unknown_invitations(
    session: Session, clock: FixedClock, admin: User
) -> None:
    sent = make_dispatched_invitation(session, clock, "s", SENT)
    queued = make_dispatched_invitation(session, clock, "q", InvitationState.QUEUED)
    expired = make_dispatched_invitation(session, clock, "e", FAILED, last_error="550")
    expired.expires_at = clock.now()
    failed = make_dispatched_invitation(session, clock, "f", FAILED, last_error="550")
    sent_before = (sent.state, sent.sent_at, sent.attempts)

    outcome = replay.replay(
        session, [sent.id, queued.id, expired.id, 999_999, failed.id], actor=admin, clock=clock
    )

    assert (outcome.changed, outcome.refused) == (1, 4)
    assert (sent.state, sent.sent_at, sent.attempts) == sent_before
    assert expired.state == FAILED
    assert failed.state == InvitationState.QUEUED
    assert _events(session, sent) == []
    assert _audits(session, "dispatch.replayed")[0].details["refused"] == 4

    nothing = replay.replay(session, [sent.id], actor=admin, clock=clock)
    assert (nothing.changed, nothing.refused) == (0, 1)
    assert len(_audits(session, "dispatch.replayed")) == 1  # nothing changed, nothing audited


@pytest.mark.usefixtures("rule")
def test_only_admins_replay_and_at_most_500_at_once(
    session: Session, clock: FixedClock, admin: User
) -> None:
    failed = make_dispatched_invitation(session, clock, "f", FAILED)
    owner = make_user(session, role=Role.CX_OWNER)
    with pytest.raises(PermissionDenied):
        replay.replay(session, [failed.id], actor=owner, clock=clock)
    with pytest.raises(PermissionDenied):
        replay.release_reminders(session, [failed.id], actor=owner, clock=clock)
    assert failed.state == FAILED
    with pytest.raises(ValidationFailed):
        replay.replay(session, range(1, 502), actor=admin, clock=clock)


@pytest.mark.usefixtures("rule")
def test_a_replayed_invitation_to_a_bounced_address_is_queued_and_stopped_at_send_time(
    session: Session, clock: FixedClock, admin: User
) -> None:
    failed = make_dispatched_invitation(session, clock, "b", FAILED, last_error="timeout")
    bounces.record_delivery_report(
        session,
        email="c-b@example.com",
        kind=DeliveryReportKind.HARD_BOUNCE,
        detail="550 no such user",
        occurred_at=None,
        clock=clock,
    )
    assert replay.replay(session, [failed.id], actor=admin, clock=clock).changed == 1
    assert failed.state == InvitationState.QUEUED  # replay itself does not judge the address

    verdict = checks.check_invitation(failed, checks.SendFacts(session, [failed]), clock.now())
    assert verdict.reasons == ("suppressed_address",)  # the sender's own check stops it


@pytest.mark.usefixtures("rule")
def test_stuck_reminders_of_unanswered_invitations_are_made_due_again(
    session: Session, clock: FixedClock, admin: User
) -> None:
    stuck = make_dispatched_invitation(session, clock, "r", SENT)
    stuck.reminder_state = ReminderState.UNCERTAIN
    stuck.reminder_attempts = 1
    stuck.last_error = "lease ran out"
    answered = make_dispatched_invitation(session, clock, "a", InvitationState.ANSWERED)
    answered.reminder_state = ReminderState.FAILED
    clock.advance(timedelta(minutes=30))

    outcome = replay.release_reminders(session, [stuck.id, answered.id], actor=admin, clock=clock)

    assert (outcome.changed, outcome.refused) == (1, 1)
    assert stuck.state == SENT
    assert (stuck.reminder_state, stuck.reminder_due_at) == (ReminderState.DUE, clock.now())
    assert (stuck.reminder_attempts, stuck.last_error) == (0, None)
    assert answered.reminder_state == ReminderState.FAILED
    [event] = _events(session, stuck)
    assert (event.kind, event.detail, event.actor_id) == (
        EventKind.REMINDER_DUE.value,
        "uncertain: lease ran out",
        admin.id,
    )
    assert len(_audits(session, "dispatch.reminders_released")) == 1
