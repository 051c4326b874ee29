"""Shared fixtures: every database test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from config import TestConfig
from surveyapp.app import create_app
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import User
from surveyapp.runtime import get_runtime
from tests.databases import BACKENDS, MigratedDatabases
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.smtp_sink import SmtpSink

_ORIGINAL_SMTP_CONNECT = smtplib.SMTP.connect
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(autouse=True)
def _no_stray_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any SMTP connection not made to the suite's own loopback server fails the test."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a test tried to send mail outside the test SMTP server")

    monkeypatch.setattr(smtplib.SMTP, "connect", refuse)


@pytest.fixture(scope="session")
def migrated_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedDatabases]:
    databases = MigratedDatabases(tmp_path_factory.mktemp("databases"))
    yield databases
    databases.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def engine(backend: str, migrated_databases: MigratedDatabases) -> Engine:
    return migrated_databases.engine(backend)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    # Commits inside the code under test release savepoints; the outer transaction still rolls back.
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def app(
    engine: Engine,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    tmp_path: Path,
) -> Iterator[Flask]:
    """The app on the test database, with its transaction isolated to this test."""
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(TestConfig(database_url=url, instance_path=tmp_path / "instance"), clock=clock)
    runtime = get_runtime(app)
    runtime.session_factory = session_factory
    yield app
    runtime.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on ``path``, as a browser would read it."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class AuthActions:
    """Signing in as a user of a given role through the real sign-in form."""

    def __init__(self, client: FlaskClient, session: Session) -> None:
        self._client = client
        self._session = session

    def login_as(self, role: Role = Role.ADMIN, **user_fields: object) -> User:
        user = make_user(self._session, role=role, **user_fields)  # type: ignore[arg-type]
        self._session.commit()
        self.login(user.email)
        return user

    def login(self, email: str, password: str = DEFAULT_PASSWORD) -> None:
        token = csrf_token(self._client, "/login")
        response = self._client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)

    def logout(self) -> None:
        token = csrf_token(self._client, "/account")
        self._client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient, session: Session) -> AuthActions:
    return AuthActions(client, session)


@pytest.fixture
def smtp_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    """A real SMTP server on loopback; the only one tests may connect to."""
    sink = SmtpSink()
    sink.start()
    connect = _ORIGINAL_SMTP_CONNECT

    def only_the_sink(self: smtplib.SMTP, host: str = "localhost", port: int = 0, **kw: object):  # type: ignore[no-untyped-def]
        assert (host, int(port)) == ("127.0.0.1", sink.port), "mail outside the test server"
        return connect(self, host, port, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(smtplib.SMTP, "connect", only_the_sink)
    yield sink
    sink.stop()
