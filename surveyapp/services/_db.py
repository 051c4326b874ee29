"""Engines and transaction scopes that work the same on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.services import _sqlite_writers

log = logging.getLogger(__name__)
T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_BEGIN_OPTION = "surveyapp_sqlite_begin"
_NO_BEGIN = "none"
PING_AFTER_IDLE_S = 5.0
# SQLite result codes (and their extended forms) that pass: locked, busy, disk full or failing.
_SQLITE_TRANSIENT = (
    "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN",
    "SQLITE_NOMEM",
)  # fmt: skip
_RETURNED_AT = "surveyapp_returned_at"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine for ``url``; SQLite connections get WAL, a busy timeout and FKs on."""
    parsed = make_url(url)
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() != "sqlite":
        _ping_after_idling(engine)
        return engine
    _configure_sqlite(engine, parsed.database)
    return engine


def _ping_after_idling(engine: Engine) -> None:
    """Test a pooled connection before use when it has been idle, and replace it if dead.

    SQLAlchemy's ``pool_pre_ping`` costs every request a round trip. A connection in steady
    use has just proven itself; one that waited (the server may have restarted meanwhile) is
    pinged. A dead connection found during use invalidates the whole pool anyway.
    """

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is not None and time.monotonic() - returned_at < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(str(error)) from error  # the pool retries anew

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()


def _configure_sqlite(engine: Engine, database: str | None) -> None:
    in_memory = database in (None, "", ":memory:")
    wait_for_writers = (
        None
        if in_memory or database is None  # (None only to narrow the type)
        else _sqlite_writers.install(engine, database, timeout_s=SQLITE_BUSY_TIMEOUT_MS / 1000)
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented fix is
        # to turn it off here and emit BEGIN ourselves in the "begin" hook below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that reads and then writes fails at once ("database is
        # locked", the busy timeout does not apply) when another process wrote meanwhile.
        # Writers therefore ask for BEGIN IMMEDIATE (see begin_for_writing); readers stay
        # deferred, so WAL keeps them from blocking anyone.
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        if mode == _NO_BEGIN:
            return
        if mode == "IMMEDIATE" and wait_for_writers is not None:
            wait_for_writers(connection)
        connection.exec_driver_sql(f"BEGIN {mode}")


def connect_for_one_read(engine: Engine) -> Connection:
    """A connection for a single read statement, which runs outside a transaction.

    One statement is its own consistent snapshot; leaving out ``BEGIN`` and the rollback
    saves the busiest page round trips. Use a session (or ``engine.connect()``) for more.
    """
    if engine.dialect.name == "sqlite":
        return engine.connect().execution_options(**{SQLITE_BEGIN_OPTION: _NO_BEGIN})
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def plan_for_values(session: Session) -> None:
    """Plan the rest of this transaction's statements for their actual values (PostgreSQL).

    psycopg prepares a statement after five runs, and PostgreSQL may then keep one generic
    plan for it, chosen while a table was still small: in batch work a look-up of 500 ids by a
    unique key became a full scan per batch (ingest fell from 1,900 to 190 interactions/s).
    Batch code calls this; short requests keep cheap generic plans (re-planning every
    statement cost the answer POST a fifth of its speed).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def begin_for_writing(session: Session) -> None:
    """Start the session's next transaction as a writer (SQLite: BEGIN IMMEDIATE).

    A read-only transaction already open is committed first (it holds no changes), so the
    write lock is taken before anything is read. Elsewhere this does nothing special.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (views render after committing)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block ends normally, roll back on any exception."""
    session = session_factory()
    begin_for_writing(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` says the database is unavailable for now, not that the work is wrong.

    A lost or refused connection (a PostgreSQL restart), a locked SQLite database and a full
    disk are operational errors; constraint violations and bad statements are not.
    """
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if not isinstance(error, exc.OperationalError):
        return False
    if isinstance(error.orig, sqlite3.Error):
        # sqlite3 reports bad SQL ("no such table") as operational errors too.
        name = getattr(error.orig, "sqlite_errorname", "")
        return name.startswith(_SQLITE_TRANSIENT)
    return True  # psycopg: connection, resources, operator intervention (SQLSTATE 08, 53, 57)


def scope_with_retry(
    session_factory: sessionmaker[Session],
    work: Callable[[Session], T],
    *,
    budget_s: float,
    first_pause_s: float = 0.2,
) -> T:
    """Run ``work`` in one transaction; while the database is unavailable, try again anew.

    For what must not be dropped when the database goes away for a moment, such as recording
    that a message went out. Each attempt is a fresh transaction on a fresh connection; after
    ``budget_s`` seconds of failures the last error is raised.
    """
    deadline = time.monotonic() + budget_s
    pause = first_pause_s
    while True:
        try:
            with session_scope(session_factory) as session:
                return work(session)
        except exc.DBAPIError as error:
            if not is_transient(error) or time.monotonic() + pause > deadline:
                raise
            log.warning("Database unavailable (%s); trying again in %.1f s", error.orig, pause)
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
