"""Dispatch: due invitations reach a real SMTP server once, with every outcome recorded."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentPolicy, ConsentSource
from surveyapp.domain.dispatch import EventKind
from surveyapp.domain.states import InvitationState, ReminderState
from surveyapp.models import Invitation, InvitationEvent, OutboxMessage, ResponseStatus
from surveyapp.services import consent, contacts, invitations
from surveyapp.services.dispatch import claims, reminders, sending
from surveyapp.services.invitations import InvitationExpired
from surveyapp.services.mail.outbox import OutboxTransport
from surveyapp.services.mail.transport import SmtpTransport
from tests.factories import make_dispatch_rule, make_response, plan_invitation
from tests.smtp_sink import SmtpSink

SCORE_LINK = re.compile(r"http://localhost/s/([A-Za-z0-9_\-]+)\?score=(\d+)")


def _settings(worker_id: str = "worker-1", **overrides: object) -> sending.DispatchSettings:
    values: dict[str, object] = {
        "worker_id": worker_id,
        "base_url": "http://localhost",
        "sender": "surveys@localhost",
        "domain": "localhost",
        "secret": "test-secret-key-that-is-long-enough-for-tests",
        **overrides,
    }
    return sending.DispatchSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def in_app(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def _round(
    session_factory: sessionmaker[Session],
    sink: SmtpSink,
    clock: FixedClock,
    **settings: object,
) -> sending.Tally:
    return sending.run_round(
        session_factory,
        lambda: SmtpTransport(sink.url, timeout=5),
        settings=_settings(**settings),  # type: ignore[arg-type]
        clock=clock,
    )


def _events(session: Session, invitation: Invitation) -> list[str]:
    return list(
        session.scalars(
            select(InvitationEvent.kind)
            .where(InvitationEvent.invitation_id == invitation.id)
            .order_by(InvitationEvent.id)
        )
    )


def _text(message: object) -> str:
    body = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    return str(body.get_content())


@pytest.mark.usefixtures("in_app")
def test_a_due_invitation_is_sent_once_and_its_score_link_opens_it(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    make_dispatch_rule(session, clock)
    invitation = plan_invitation(session, clock, "T-4711")
    session.commit()

    first = _round(session_factory, smtp_sink, clock)
    again = _round(session_factory, smtp_sink, clock)

    assert first["sent"] == 1
    assert again.claimed == 0
    (received,) = smtp_sink.received
    assert received.recipients == ["c-17@example.com"]
    assert received.message["Message-ID"] == f"<invitation-{invitation.id}.invitation@localhost>"
    tokens = {token for token, _score in SCORE_LINK.findall(_text(received.message))}
    assert len(tokens) == 1
    session.expire_all()
    assert invitations.find_by_token(session, tokens.pop(), clock=clock).id == invitation.id
    assert invitation.state == InvitationState.SENT
    assert invitation.sent_at == clock.now()
    assert _events(session, invitation) == [EventKind.SENT]


@pytest.mark.usefixtures("in_app")
def test_nothing_is_sent_before_its_time(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    make_dispatch_rule(session, clock, delay_minutes=60)
    invitation = plan_invitation(session, clock, "T-1")
    session.commit()

    assert _round(session_factory, smtp_sink, clock).claimed == 0
    clock.advance(timedelta(minutes=60))
    assert _round(session_factory, smtp_sink, clock)["sent"] == 1
    session.expire_all()
    assert invitation.state == InvitationState.SENT


@pytest.mark.usefixtures("in_app")
def test_a_temporary_refusal_is_retried_later_with_the_same_message_id(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    make_dispatch_rule(session, clock)
    invitation = plan_invitation(session, clock, "T-2")
    session.commit()
    smtp_sink.handler.data_replies["c-17@example.com"] = "451 4.3.0 Mailbox busy, try later"

    assert _round(session_factory, smtp_sink, clock)["retried"] == 1
    session.expire_all()
    assert invitation.state == InvitationState.QUEUED
    assert invitation.attempts == 1
    assert "451" in (invitation.last_error or "")
    assert invitation.send_at == clock.now() + timedelta(minutes=1)

    del smtp_sink.handler.data_replies["c-17@example.com"]
    assert _round(session_factory, smtp_sink, clock).claimed == 0  # backoff not over
    clock.advance(timedelta(minutes=1))
    assert _round(session_factory, smtp_sink, clock)["sent"] == 1
    (received,) = smtp_sink.received
    assert received.message["Message-ID"] == f"<invitation-{invitation.id}.invitation@localhost>"
    assert received.message["X-Surveyapp-Attempt"] == "2"
    session.expire_all()
    assert _events(session, invitation) == [EventKind.RETRY, EventKind.SENT]


@pytest.mark.usefixtures("in_app")
def test_temporary_failures_give_up_after_the_last_attempt(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    make_dispatch_rule(session, clock)
    invitation = plan_invitation(session, clock, "T-3")
    session.commit()
    smtp_sink.handler.rcpt_replies["c-17@example.com"] = "452 4.2.2 Mailbox full"

    for _ in range(3):
        _round(session_factory, smtp_sink, clock, max_attempts=3)
        clock.advance(timedelta(hours=1))

    session.expire_all()
    assert invitation.state == InvitationState.FAILED
    assert invitation.attempts == 3
    assert "gave up after 3 attempts" in (invitation.last_error or "")
    assert smtp_sink.received == []
    assert not contacts.is_suppressed(session, "c-17@example.com")  # not the address's fault


@pytest.mark.usefixtures("in_app")
def test_a_permanent_refusal_fails_and_suppresses_the_address(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    make_dispatch_rule(session, clock)
    invitation = plan_invitation(session, clock, "T-5")
    session.commit()
    smtp_sink.handler.rcpt_replies["c-17@example.com"] = "550 5.1.1 No such user"

    assert _round(session_factory, smtp_sink, clock)["failed"] == 1

    session.expire_all()
    assert invitation.state == InvitationState.FAILED
    assert (invitation.last_error or "").startswith("550")
    assert contacts.is_suppressed(session, "c-17@example.com")
    later = plan_invitation(session, clock, "T-6")
    assert later.state == InvitationState.SUPPRESSED
    assert "suppressed_address" in later.suppression_reasons


@pytest.mark.usefixtures("in_app")
def test_a_connection_lost_after_the_body_is_uncertain_and_never_resent(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    make_dispatch_rule(session, clock)
    invitation = plan_invitation(session, clock, "T-7")
    other = plan_invitation(session, clock, "T-8", contact="C-18")
    session.commit()
    smtp_sink.handler.drop_after_body.add("c-17@example.com")

    tally = _round(session_factory, smtp_sink, clock)
    clock.advance(timedelta(hours=2))
    _round(session_factory, smtp_sink, clock)

    assert tally["uncertain"] == 1
    assert tally["sent"] == 1  # the next message went out over a new connection
    session.expire_all()
    assert invitation.state == InvitationState.UNCERTAIN
    assert other.state == InvitationState.SENT
    assert [r.recipients for r in smtp_sink.received] == [["c-18@example.com"]]


@pytest.mark.usefixtures("in_app")
def test_an_unreachable_server_is_a_temporary_failure(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    make_dispatch_rule(session, clock)
    invitation = plan_invitation(session, clock, "T-9")
    session.commit()
    smtp_sink.stop()

    assert _round(session_factory, smtp_sink, clock)["retried"] == 1
    session.expire_all()
    assert invitation.state == InvitationState.QUEUED
    assert "connection failed" in (invitation.last_error or "")


@pytest.mark.usefixtures("in_app")
def test_consent_gone_at_send_time_suppresses_the_send(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    make_dispatch_rule(session, clock)
    invitation = plan_invitation(session, clock, "T-10")
    # The workspace now asks for a grant first; this contact never gave one.
    consent.set_policy(session, ConsentChannel.EMAIL, ConsentPolicy.OPT_IN, clock=clock, actor=None)
    session.commit()

    assert _round(session_factory, smtp_sink, clock)["suppressed"] == 1
    session.expire_all()
    assert invitation.state == InvitationState.SUPPRESSED
    assert invitation.suppression_reasons == ["consent_withdrawn"]
    assert smtp_sink.received == []


@pytest.mark.usefixtures("in_app")
def test_withdrawing_consent_after_planning_means_no_mail(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    make_dispatch_rule(session, clock)
    invitation = plan_invitation(session, clock, "T-13")
    assert invitation.state == InvitationState.QUEUED
    assert invitation.contact is not None
    consent.record_event(
        session,
        invitation.contact,
        channel=ConsentChannel.EMAIL,
        action=ConsentAction.WITHDRAWN,
        source=ConsentSource.PREFERENCE_CENTRE,
        clock=clock,
    )
    session.commit()

    tally = _round(session_factory, smtp_sink, clock)

    assert tally.claimed == 0
    session.expire_all()
    assert invitation.state == InvitationState.SUPPRESSED
    assert "consent_withdrawn" in invitation.suppression_reasons
    assert smtp_sink.received == []


@pytest.mark.usefixtures("in_app")
def test_quiet_hours_at_send_time_move_the_send(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    rule = make_dispatch_rule(session, clock)
    invitation = plan_invitation(session, clock, "T-11")
    rule.quiet = {"start": "09:00", "end": "12:00"}  # set after planning; 10:00 in Berlin now
    session.commit()

    assert _round(session_factory, smtp_sink, clock)["deferred"] == 1
    session.expire_all()
    assert invitation.state == InvitationState.QUEUED
    assert invitation.send_at is not None
    assert invitation.send_at.isoformat() == "2026-03-02T11:00:00+00:00"
    assert invitation.attempts == 0
    assert smtp_sink.received == []


@pytest.mark.usefixtures("in_app")
def test_a_lease_that_ran_out_leaves_the_send_uncertain_for_good(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    make_dispatch_rule(session, clock)
    invitation = plan_invitation(session, clock, "T-12")
    session.commit()
    with session_factory() as dead_worker:
        claims.claim_due(
            dead_worker,
            worker_id="dead",
            limit=10,
            lease=timedelta(minutes=5),
            now=clock.now(),
            secret="s",
        )
        dead_worker.commit()

    clock.advance(timedelta(minutes=6))
    tally = _round(session_factory, smtp_sink, clock, worker_id="worker-2")
    clock.advance(timedelta(hours=1))
    _round(session_factory, smtp_sink, clock, worker_id="worker-2")

    assert tally["uncertain"] == 1
    session.expire_all()
    assert invitation.state == InvitationState.UNCERTAIN
    assert smtp_sink.received == []


@pytest.mark.usefixtures("in_app")
def test_a_stop_request_finishes_the_message_in_flight_and_gives_the_rest_back(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    make_dispatch_rule(session, clock)
    planned = [plan_invitation(session, clock, f"T-2{n}", contact=f"C-2{n}") for n in range(4)]
    session.commit()
    asked: list[bool] = []

    def stop_after_first() -> bool:
        asked.append(True)
        return len(asked) > 2  # the round's own check, then the first message

    tally = sending.run_round(
        session_factory,
        lambda: SmtpTransport(smtp_sink.url, timeout=5),
        settings=_settings(),
        clock=clock,
        should_stop=stop_after_first,
    )

    assert tally["sent"] == 1
    assert tally["released"] == 3
    session.expire_all()
    states = sorted(i.state for i in planned)
    assert states == [InvitationState.QUEUED] * 3 + [InvitationState.SENT]
    assert all(i.attempts == 0 for i in planned if i.state == InvitationState.QUEUED)
    assert len(smtp_sink.received) == 1


@pytest.mark.usefixtures("in_app")
def test_one_reminder_with_the_same_link_to_who_has_not_answered(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    make_dispatch_rule(session, clock, reminder_days=3)
    silent = plan_invitation(session, clock, "T-30", contact="C-30")
    answered = plan_invitation(session, clock, "T-31", contact="C-31")
    session.commit()
    _round(session_factory, smtp_sink, clock)
    response = make_response(session, answered.survey_version)
    response.invitation_id = answered.id
    response.status = ResponseStatus.COMPLETE
    session.commit()

    clock.advance(timedelta(days=3))
    tally = _round(session_factory, smtp_sink, clock)
    clock.advance(timedelta(days=1))
    _round(session_factory, smtp_sink, clock)

    assert tally["sent"] == 1
    first, other, reminder = smtp_sink.received
    assert reminder.recipients == ["c-30@example.com"]
    assert reminder.message["Message-ID"] == f"<invitation-{silent.id}.reminder@localhost>"
    first_mail = first if first.recipients == ["c-30@example.com"] else other
    links = set(SCORE_LINK.findall(_text(reminder.message)))
    assert links == set(SCORE_LINK.findall(_text(first_mail.message)))
    session.expire_all()
    assert silent.reminder_state == ReminderState.SENT
    assert answered.reminder_state == ReminderState.SKIPPED


@pytest.mark.usefixtures("in_app")
def test_invitations_expire_after_the_rule_period_and_their_link_says_so(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    make_dispatch_rule(session, clock, expiry_days=7)
    invitation = plan_invitation(session, clock, "T-40")
    session.commit()
    _round(session_factory, smtp_sink, clock)
    (token,) = {t for t, _ in SCORE_LINK.findall(_text(smtp_sink.received[0].message))}

    clock.advance(timedelta(days=7))
    tally = _round(session_factory, smtp_sink, clock)

    assert tally["dispatch.expire"] == 1
    session.expire_all()
    assert invitation.state == InvitationState.EXPIRED
    with pytest.raises(InvitationExpired):
        invitations.find_by_token(session, token, clock=clock)


def test_periodic_work_runs_once_per_period_whatever_the_workers(
    session: Session, clock: FixedClock
) -> None:
    first = reminders.run_due_periodic(session, worker_id="a", clock=clock)
    second = reminders.run_due_periodic(session, worker_id="b", clock=clock)
    clock.advance(timedelta(minutes=15))
    third = reminders.run_due_periodic(session, worker_id="b", clock=clock)

    assert set(first) == {"dispatch.expire", "dispatch.reminders"}
    assert second == {}
    assert set(third) == set(first)


@pytest.mark.usefixtures("in_app")
def test_without_an_smtp_server_the_outbox_keeps_the_message(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    make_dispatch_rule(session, clock)
    invitation = plan_invitation(session, clock, "T-50")
    session.commit()

    tally = sending.run_round(
        session_factory,
        lambda: OutboxTransport(session_factory, clock=clock),
        settings=_settings(),
        clock=clock,
    )

    assert tally["sent"] == 1
    (stored,) = session.scalars(select(OutboxMessage)).all()
    assert stored.recipient == "c-17@example.com"
    assert f"invitation-{invitation.id}.invitation@localhost" in stored.message_id
    assert "/s/" in stored.raw
