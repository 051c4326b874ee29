"""What the daily digest tells each person, and when it stays silent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.case_recovery import GoodwillKind
from surveyapp.domain.clock import FixedClock
from surveyapp.services.cases import assignment, digest, goodwill, recovery_settings
from surveyapp.services.cases.goodwill import GoodwillInput
from surveyapp.services.cases.recovery_settings import RecoverySettings
from surveyapp.services.dispatch.sending import DispatchSettings
from surveyapp.services.mail.transport import SmtpTransport
from tests.factories import answer_invitation, case_of, make_case_setup
from tests.smtp_sink import SmtpSink

SETTINGS = DispatchSettings(
    worker_id="worker-1",
    base_url="http://localhost",
    sender="surveys@localhost",
    domain="localhost",
    secret="test-secret-key-that-is-long-enough-for-tests",
)


def test_the_digest_lists_overdue_and_new_cases_and_the_managers_approvals(
    session: Session, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    agent = setup.agents[0]
    recovery_settings.save_recovery_settings(
        session,
        setup.team.id,
        RecoverySettings(approval_threshold=Decimal("10")),
        actor=setup.manager,
        clock=clock,
    )
    old = case_of(session, answer_invitation(session, clock, "DG-1", score=2))
    assert old is not None
    assignment.assign_case(
        session,
        old,
        owner_id=agent.id,
        team_id=old.team_id,
        expected_version=old.version,
        actor=setup.manager,
        clock=clock,
    )
    goodwill.record_goodwill(
        session,
        old,
        GoodwillInput(GoodwillKind.GIFT, Decimal("40"), "EUR"),
        actor=agent,
        clock=clock,
    )
    clock.advance(timedelta(days=2))
    fresh = case_of(session, answer_invitation(session, clock, "DG-2", score=5))
    assert fresh is not None
    assignment.assign_case(
        session,
        fresh,
        owner_id=agent.id,
        team_id=fresh.team_id,
        expected_version=fresh.version,
        actor=setup.manager,
        clock=clock,
    )

    mine = digest.build_digest(session, agent, clock.now())
    assert (mine.open_count, mine.overdue_count, mine.new_count) == (2, 1, 1)
    assert [(c.id, c.is_overdue, c.is_new) for c in mine.cases] == [
        (old.id, True, False),
        (fresh.id, False, True),
    ]
    boss = digest.build_digest(session, setup.manager, clock.now())
    assert (boss.open_count, boss.queue_count, boss.approval_count) == (0, 0, 1)
    assert not boss.is_empty
    assert digest.build_digest(session, setup.agents[1], clock.now()).is_empty


def test_nothing_to_report_or_turned_off_means_no_mail(
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    smtp_sink: SmtpSink,
) -> None:
    setup = make_case_setup(session, clock)
    digest.set_digest(session, setup.manager, enabled=False, clock=clock)
    case_of(session, answer_invitation(session, clock, "DG-3", score=1))  # in the queue
    session.commit()
    assert digest.is_digest_on(session, setup.agents[0].id)
    assert not digest.is_digest_on(session, setup.manager.id)

    transport = SmtpTransport(smtp_sink.url, timeout=5)
    try:
        sent = digest.send_daily_digests(session_factory, transport, settings=SETTINGS, clock=clock)
    finally:
        transport.close()

    assert sent == 0  # the manager would hear of the queue, but turned the digest off
    assert smtp_sink.received == []
