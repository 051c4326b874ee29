"""The request's database session and the unit of work that commits it once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.runtime import get_runtime
from surveyapp.services._db import begin_for_writing


def request_session() -> Session:
    """The session of the current request, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = get_runtime().session_factory()
    session: Session = g.db_session
    return session


def clock() -> Clock:
    """The clock the app's services use (a ``FixedClock`` in tests)."""
    return get_runtime().clock


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Commit the request session when the block ends normally; roll back on any exception."""
    session = request_session()
    begin_for_writing(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def init_request_session(app: Flask) -> None:
    """Close (and so roll back anything uncommitted in) the request session at teardown."""

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
