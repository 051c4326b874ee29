"""Several worker processes on PostgreSQL share the queue; none ever sends a message twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from config import TestConfig
from surveyapp.app import create_app
from surveyapp.domain.clock import FixedClock
from surveyapp.models import Invitation
from surveyapp.runtime import get_runtime
from surveyapp.services import schema
from surveyapp.services._db import make_engine
from surveyapp.services.dispatch import claims, sending
from surveyapp.services.mail.transport import SmtpTransport
from tests.databases import fresh_database
from tests.factories import seed_due_invitations
from tests.smtp_sink import SmtpSink

PROJECT_ROOT = Path(__file__).resolve().parents[2]
INVITATIONS = 10_000
WORKERS = 4


@pytest.fixture
def pg_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated PostgreSQL database of its own: workers in other processes must see commits."""
    with fresh_database("postgresql", tmp_path) as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        yield engine
        engine.dispose()


def _seed(engine: Engine, count: int) -> None:
    with sessionmaker(bind=engine)() as session:
        seed_due_invitations(session, count, now=datetime.now(UTC))
        session.commit()


def _start_worker(engine: Engine, sink: SmtpSink, instance: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "SURVEYAPP_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "SURVEYAPP_INSTANCE_PATH": str(instance),
        "SURVEYAPP_SMTP_URL": sink.url,
        "SURVEYAPP_DISPATCH_INTERVAL": "1",
        "SURVEYAPP_LOG_LEVEL": "warning",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=PROJECT_ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )


def _states(engine: Engine) -> Counter[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(Invitation.state, func.count()).group_by(Invitation.state)
        ).all()
    return Counter({str(state): count for state, count in rows})


def _stop(processes: list[subprocess.Popen[str]], how: signal.Signals) -> list[int]:
    for process in processes:
        process.send_signal(how)
    codes = []
    for process in processes:
        codes.append(process.wait(timeout=60))
        if process.stderr:
            process.stderr.close()
    return codes


def _message_ids(sink: SmtpSink) -> Counter[str]:
    return Counter(str(r.message["Message-ID"]) for r in sink.received)


def test_four_workers_deliver_ten_thousand_invitations_exactly_once(
    pg_engine: Engine, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    _seed(pg_engine, INVITATIONS)
    workers = [_start_worker(pg_engine, smtp_sink, tmp_path / f"w{n}") for n in range(WORKERS)]
    try:
        arrived = smtp_sink.handler.wait_for(INVITATIONS, timeout=300)
    finally:
        codes = _stop(workers, signal.SIGTERM)

    assert arrived, f"only {len(smtp_sink.received)} of {INVITATIONS} arrived"
    assert codes == [0] * WORKERS
    ids = _message_ids(smtp_sink)
    assert len(ids) == INVITATIONS
    assert max(ids.values()) == 1
    assert _states(pg_engine) == Counter({"sent": INVITATIONS})


def test_a_worker_killed_mid_batch_leaves_uncertain_sends_and_no_duplicate(
    pg_engine: Engine, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    total = 300
    _seed(pg_engine, total)
    smtp_sink.handler.delay = 0.02  # a slow server, so the kill lands inside a batch
    worker = _start_worker(pg_engine, smtp_sink, tmp_path / "killed")
    try:
        assert smtp_sink.handler.wait_for(10, timeout=60)
    finally:
        _stop([worker], signal.SIGKILL)
    smtp_sink.handler.delay = 0.0
    in_flight = _states(pg_engine)["sending"]
    assert in_flight > 0

    app = create_app(
        TestConfig(
            database_url=pg_engine.url.render_as_string(hide_password=False),
            instance_path=tmp_path / "instance",
        )
    )
    later = FixedClock(datetime.now(UTC) + timedelta(minutes=10))  # past the 5-minute lease
    runtime = get_runtime(app)
    try:
        with runtime.session_factory() as session:
            assert claims.expire_leases(session, now=later.now()) == in_flight
            session.commit()
        _finish_queue(app, runtime.session_factory, smtp_sink, later)
    finally:
        runtime.engine.dispose()

    states = _states(pg_engine)
    assert states["uncertain"] == in_flight
    assert states["sent"] + states["uncertain"] == total
    assert max(_message_ids(smtp_sink).values()) == 1
    assert len(_message_ids(smtp_sink)) <= total


def _finish_queue(
    app: Flask, factory: sessionmaker[Session], sink: SmtpSink, clock: FixedClock
) -> None:
    settings = sending.DispatchSettings(
        worker_id="after-the-crash",
        base_url="http://localhost",
        sender="surveys@localhost",
        domain="localhost",
        secret="test-secret-key-that-is-long-enough-for-tests",
    )
    with app.app_context():
        sending.run_round(
            factory, lambda: SmtpTransport(sink.url, timeout=5), settings=settings, clock=clock
        )
