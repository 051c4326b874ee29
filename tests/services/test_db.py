"""Database plumbing: SQLite writers take turns, single reads, dead pooled connections."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from surveyapp.services import _db
from surveyapp.services._db import (
    begin_for_writing,
    connect_for_one_read,
    make_engine,
    plan_for_values,
)
from tests.databases import require_postgres

WAIT_S = 5.0


def _engines(tmp_path: Path) -> tuple[Engine, Engine]:
    """Two engines on one file, as two worker processes would have."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    first, second = make_engine(url), make_engine(url)
    with first.begin() as connection:
        connection.execute(text("CREATE TABLE answers (score INTEGER)"))
    return first, second


def test_second_writer_waits_for_the_first_and_then_sees_its_row(tmp_path: Path) -> None:
    first, second = _engines(tmp_path)
    seen: list[int] = []
    started, written = threading.Event(), threading.Event()

    def second_writer() -> None:
        with Session(second) as session:
            started.set()
            begin_for_writing(session)  # queues behind the first writer
            seen.append(session.scalar(text("SELECT count(*) FROM answers")) or 0)
            session.execute(text("INSERT INTO answers VALUES (2)"))
            session.commit()
            written.set()

    with Session(first) as session:
        begin_for_writing(session)
        session.execute(text("INSERT INTO answers VALUES (1)"))
        worker = threading.Thread(target=second_writer)
        worker.start()
        assert started.wait(WAIT_S)
        assert not written.wait(0.2), "the second writer got in while the first held the lock"
        session.commit()
    assert written.wait(WAIT_S)
    worker.join(WAIT_S)
    assert seen == [1]  # it started after the first writer's commit, not on a stale snapshot
    with first.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM answers")) == 2
    first.dispose()
    second.dispose()


def test_one_read_connection_reads_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    first, second = _engines(tmp_path)
    with Session(first) as session:
        begin_for_writing(session)
        session.execute(text("INSERT INTO answers VALUES (1)"))
        with connect_for_one_read(second) as reader:
            # Never blocked by the writer, and never sees its uncommitted row.
            assert reader.scalar(text("SELECT count(*) FROM answers")) == 0
        session.commit()
    with connect_for_one_read(second) as reader:
        assert reader.scalar(text("SELECT count(*) FROM answers")) == 1
    first.dispose()
    second.dispose()


def test_a_connection_the_server_dropped_while_idle_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a PostgreSQL restart the pool's idle connections are dead; requests still work."""
    server = require_postgres()
    engine = make_engine(server)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            pid = connection.scalar(text("SELECT pg_backend_pid()"))
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        monkeypatch.setattr(_db, "PING_AFTER_IDLE_S", 0.0)  # the connection counts as idle
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        engine.dispose()
        admin.dispose()


def test_postgres_batch_work_plans_statements_for_their_values() -> None:
    """Batch transactions never reuse a generic plan made while a table was small (see _db)."""
    engine = make_engine(require_postgres())
    try:
        with Session(engine) as session:
            assert session.scalar(text("SHOW plan_cache_mode")) == "auto"  # short requests
            plan_for_values(session)
            assert session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
            session.commit()
            assert session.scalar(text("SHOW plan_cache_mode")) == "auto"  # that one only
    finally:
        engine.dispose()
