"""Test databases: a migrated SQLite file and a freshly created PostgreSQL database per run."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from surveyapp.services import schema
from surveyapp.services._db import make_engine

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")


def postgres_server_url() -> str:
    """The server the suite creates its databases on (``SURVEYAPP_TEST_POSTGRES_URL``)."""
    url = os.environ.get("SURVEYAPP_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def require_postgres() -> str:
    """The server URL, or skip (fail under ``CI=true``) when PostgreSQL is unreachable."""
    url = postgres_server_url()
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except OperationalError as error:
        where = make_url(url).render_as_string(hide_password=True)
        message = f"PostgreSQL at {where} is unreachable: {error.orig}"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return url


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """An empty database of ``backend``, dropped afterwards; yields its URL."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'test-{secrets.token_hex(4)}.db'}"
        return
    server = make_url(require_postgres())
    name = f"surveyapp_test_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class MigratedDatabases:
    """One migrated database per backend, created on first use and kept for the whole run."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._engines: dict[str, Engine] = {}
        self._cleanup = ExitStack()

    def engine(self, backend: str) -> Engine:
        if backend not in self._engines:
            url = self._cleanup.enter_context(fresh_database(backend, self._directory))
            engine = make_engine(url)
            self._cleanup.callback(engine.dispose)
            schema.upgrade(engine)
            self._engines[backend] = engine
        return self._engines[backend]

    def close(self) -> None:
        self._cleanup.close()
