"""The daily digest on two workers: one mail per person per local day, none when empty."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.clock import FixedClock
from surveyapp.services import schema
from surveyapp.services._db import make_engine, make_session_factory, session_scope
from surveyapp.services.cases import assignment, digest
from surveyapp.services.dispatch.sending import DispatchSettings
from surveyapp.services.mail.transport import SmtpTransport
from tests.databases import BACKENDS, fresh_database
from tests.factories import answer_invitation, case_of, make_case_setup
from tests.smtp_sink import SmtpSink

WORKERS = 2


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database of its own: the workers' threads must see each other's commits."""
    with fresh_database(str(request.param), tmp_path) as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        yield engine
        engine.dispose()


def _settings(worker: str) -> DispatchSettings:
    return DispatchSettings(
        worker_id=worker,
        base_url="http://localhost",
        sender="surveys@localhost",
        domain="localhost",
        secret="test-secret-key-that-is-long-enough-for-tests",
    )


def _together(factory: sessionmaker[Session], sink: SmtpSink, clock: FixedClock) -> int:
    """Both workers send digests at the same instant; how many mails they sent in all."""
    start = threading.Barrier(WORKERS)
    sent: list[int] = []
    errors: list[BaseException] = []

    def work(worker: str) -> None:
        transport = SmtpTransport(sink.url, timeout=5)
        try:
            start.wait()
            sent.append(
                digest.send_daily_digests(
                    factory, transport, settings=_settings(worker), clock=clock
                )
            )
        except BaseException as error:
            errors.append(error)
        finally:
            transport.close()

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return sum(sent)


@pytest.mark.slow
def test_each_person_gets_one_digest_per_day_with_two_workers(
    engine: Engine, smtp_sink: SmtpSink
) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 5, 30, tzinfo=UTC))
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        setup = make_case_setup(session, clock, agents=3)
        busy, idle, quiet = setup.agents
        owned = case_of(session, answer_invitation(session, clock, "D-1", score=2))
        assert owned is not None
        assignment.assign_case(
            session,
            owned,
            owner_id=busy.id,
            team_id=owned.team_id,
            expected_version=owned.version,
            actor=setup.manager,
            clock=clock,
        )
        case_of(session, answer_invitation(session, clock, "D-2", score=1))  # in the queue
        hushed = case_of(session, answer_invitation(session, clock, "D-3", score=1))
        assert hushed is not None
        assignment.assign_case(
            session,
            hushed,
            owner_id=quiet.id,
            team_id=hushed.team_id,
            expected_version=hushed.version,
            actor=setup.manager,
            clock=clock,
        )
        digest.set_digest(session, quiet, enabled=False, clock=clock)
        emails = {user.id: user.email for user in (busy, idle, quiet, setup.manager)}

    assert _together(factory, smtp_sink, clock) == 0  # 05:30 UTC: before the digest hour
    clock.advance(timedelta(hours=2))
    assert _together(factory, smtp_sink, clock) == 2
    clock.advance(timedelta(hours=3))
    assert _together(factory, smtp_sink, clock) == 0  # once a day
    clock.advance(timedelta(days=1))
    assert _together(factory, smtp_sink, clock) == 2

    received = Counter(r.recipients[0] for r in smtp_sink.received)
    assert received == Counter({emails[busy.id]: 2, emails[setup.manager.id]: 2})
    first = next(r.message for r in smtp_sink.received if r.recipients[0] == emails[busy.id])
    text = str(first.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
    assert "Open cases: 1, overdue: 0, assigned to you in the last 24 hours: 1." in text
    assert f"/cases/{owned.id}" in text
    assert "new for you" in text
    assert str(first["Subject"]) == "Your cases today: 1 open, 0 overdue"
