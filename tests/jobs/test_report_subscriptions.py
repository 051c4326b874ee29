"""Subscribed reports: two workers tick together, the subscriber gets one mail per period."""

from __future__ import annotations

import io
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.report_periods import Cadence
from surveyapp.models import ReportSubscription
from surveyapp.services import schema
from surveyapp.services._db import make_engine, make_session_factory, session_scope
from surveyapp.services.dispatch.sending import DispatchSettings
from surveyapp.services.mail.transport import SmtpTransport
from surveyapp.services.reporting import report_mail, subscriptions
from surveyapp.services.reporting.rollups import refresh_rollups
from tests.databases import BACKENDS, fresh_database
from tests.factories import answer_invitation, make_case_setup
from tests.smtp_sink import SmtpSink

WORKERS = 2
# A Wednesday: the subscription's first report is due on Monday 2 March, 07:00 in Berlin.
SUBSCRIBED_AT = datetime(2026, 2, 25, 10, 0, tzinfo=UTC)
FIRST_DUE = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


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
        base_url="https://feedback.example.com",
        sender="reports@example.com",
        domain="example.com",
        secret="s" * 40,
    )


def _subscribe(factory: sessionmaker[Session], clock: FixedClock) -> tuple[str, str]:
    """A manager of a team subscribed weekly (Berlin); one answer this week. Email, team."""
    with session_scope(factory) as session:
        setup = make_case_setup(session, clock)
        answer_invitation(session, clock, "R-1", score=9)
        subscriptions.subscribe(
            session,
            actor=setup.manager,
            team_id=setup.team.id,
            touchpoint_id=None,
            cadence=Cadence.WEEKLY,
            timezone="Europe/Berlin",
            locale="en",
            clock=clock,
        )
        return setup.manager.email, setup.team.name


def _tick_together(factory: sessionmaker[Session], clock: FixedClock, url: str) -> Counter[str]:
    """Run the subscription job in ``WORKERS`` threads released at the same instant."""
    start = threading.Barrier(WORKERS)
    total: Counter[str] = Counter()
    errors: list[BaseException] = []

    def work(worker: str) -> None:
        transport = SmtpTransport(url)
        try:
            start.wait()
            counts = report_mail.send_due_reports(
                factory, transport, settings=_settings(worker), clock=clock
            )
            total.update(counts)
        except BaseException as error:
            errors.append(error)
        finally:
            transport.close()

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return total


def _refresh(factory: sessionmaker[Session], clock: FixedClock) -> None:
    with session_scope(factory) as session:
        refresh_rollups(session, clock=clock)


@pytest.mark.slow
def test_two_workers_send_one_report_per_period(engine: Engine, smtp_sink: SmtpSink) -> None:
    clock = FixedClock(SUBSCRIBED_AT)
    factory = make_session_factory(engine)
    recipient, team = _subscribe(factory, clock)
    _refresh(factory, clock)

    clock.advance(FIRST_DUE - SUBSCRIBED_AT - timedelta(minutes=1))
    early = _tick_together(factory, clock, smtp_sink.url)
    clock.advance(timedelta(minutes=3))
    first = _tick_together(factory, clock, smtp_sink.url)
    again = _tick_together(factory, clock, smtp_sink.url)

    assert early == Counter()  # 06:59 in Berlin: not yet due
    assert first["sent"] == 1
    assert again["sent"] == 0
    assert len(smtp_sink.received) == 1
    mail = smtp_sink.received[0]
    assert mail.recipients == [recipient]
    assert (
        mail.message["Subject"] == f"Weekly feedback report: {team}, Feb 23\u2009–\u2009Mar 1, 2026"
    )
    attachment = next(mail.message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(attachment.get_content())).pages
    )
    assert f"Feedback report: {team}" in text
    assert "1 answer " in text

    clock.advance(timedelta(days=7))
    next_week = _tick_together(factory, clock, smtp_sink.url)

    assert next_week["sent"] == 1
    assert len(smtp_sink.received) == 2
    with session_scope(factory) as session:
        subscription = session.query(ReportSubscription).one()
        assert subscription.last_sent_period == "2026-W11"


@pytest.mark.slow
def test_a_temporary_refusal_is_retried_on_a_later_tick(
    engine: Engine, smtp_sink: SmtpSink
) -> None:
    clock = FixedClock(SUBSCRIBED_AT)
    factory = make_session_factory(engine)
    recipient, _team = _subscribe(factory, clock)
    clock.advance(FIRST_DUE - SUBSCRIBED_AT + timedelta(minutes=2))
    smtp_sink.handler.data_replies[recipient] = "451 4.3.0 Try again later"

    refused = _tick_together(factory, clock, smtp_sink.url)
    smtp_sink.handler.data_replies.clear()
    clock.advance(timedelta(minutes=5))
    retried = _tick_together(factory, clock, smtp_sink.url)

    assert refused["retry"] == 1
    assert retried["sent"] == 1
    assert len(smtp_sink.received) == 1
