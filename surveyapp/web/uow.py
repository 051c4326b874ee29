"""The request's database session and the unit of work that commits it once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.runtime import get_runtime
from surveyapp.services._db import begin_for_writing, connect_for_one_read


def request_session() -> Session:
    """The session of the current request, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = get_runtime().session_factory()
    session: Session = g.db_session
    return session


def read_connection() -> Connection:
    """A connection for a page that reads one row (no ORM session), closed at teardown.

    The busiest public page needs one row; a connection costs far less than a session.
    """
    if "db_connection" in g:
        connection: Connection = g.db_connection
        return connection
    bind = get_runtime().session_factory.kw["bind"]
    if isinstance(bind, Connection):
        return bind  # sessions share one connection here (tests): not ours to close
    connection = g.db_connection = connect_for_one_read(bind)
    return connection


def clock() -> Clock:
    """The clock the app's services use (a ``FixedClock`` in tests)."""
    return get_runtime().clock


@contextmanager
def unit_of_work(*, lock_late: bool = False) -> Iterator[Session]:
    """Commit the request session when the block ends normally; roll back on any exception.

    The block holds SQLite's single write lock from its start; with ``lock_late`` it reads
    without it until ``start_writing`` (busy public pages keep the locked part short).
    """
    session = request_session()
    if not lock_late:
        begin_for_writing(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def start_writing(session: Session) -> None:
    """Take the write lock now, in a ``unit_of_work(lock_late=True)``; before any write."""
    begin_for_writing(session)


def init_request_session(app: Flask) -> None:
    """Close (and so roll back anything uncommitted in) the request's session and connection."""

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
        connection = g.pop("db_connection", None)
        if connection is not None:
            connection.close()
