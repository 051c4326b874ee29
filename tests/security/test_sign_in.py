"""Sign-in back-off, attacked through the real forms on SQLite and PostgreSQL.

Failures are counted per account (any submitted email) and per address in the database, so
every process sees them; a lock refuses cheaply, with 429 and ``Retry-After``, whether the
account exists or not. Sessions, fixation and remember-me are in ``test_sign_in_sessions``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from config import TestConfig
from surveyapp.app import create_app
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import AuditEvent
from surveyapp.runtime import get_runtime
from surveyapp.services import auth as auth_service
from surveyapp.services import schema
from surveyapp.services._db import make_engine
from tests.conftest import AuthActions, csrf_token
from tests.databases import fresh_database
from tests.factories import DEFAULT_PASSWORD, make_user

TOO_MANY = "Too many failed sign-in attempts. Please try again in"


def post_login(
    client: FlaskClient, email: str, password: str, *, remember: bool = False
) -> TestResponse:
    """Submit the sign-in form as a browser would."""
    token = csrf_token(client, "/login")
    data = {"email": email, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    # Over https Flask-WTF wants a same-origin Referer, as browsers send it.
    headers = {"Referer": "https://localhost/login"}
    return client.post("/login", data=data, headers=headers)


def retry_after(response: TestResponse) -> int:
    """The ``Retry-After`` seconds of a refused sign-in.

    Flask-Limiter (the per-address flood guard on this route) re-writes the header as whole
    seconds, truncating, and never below the end of its own window: a 60-second lock may
    read 59, a 1-second rest of a lock up to the guard's 60-second window.
    """
    assert response.status_code == 429
    return int(response.headers["Retry-After"])


def waits(response: TestResponse, seconds: int) -> bool:
    return seconds - 1 <= retry_after(response) <= max(seconds, 60)


def fail(client: FlaskClient, email: str, times: int) -> list[int]:
    return [post_login(client, email, "wrong password").status_code for _ in range(times)]


def signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


def lockouts(session: Session) -> list[dict[str, Any]]:
    """The ``auth.locked_out`` audit details, oldest first, with the time of the lockout."""
    query = select(AuditEvent).where(AuditEvent.action == "auth.locked_out")
    events = session.scalars(query.order_by(AuditEvent.id)).all()
    return [{**event.details, "at": event.occurred_at} for event in events]


def lock_minutes(lock: dict[str, Any]) -> float:
    length: timedelta = datetime.fromisoformat(lock["locked_until"]) - lock["at"]
    return length / timedelta(minutes=1)


def build_app(engine: Engine, tmp_path: Path, clock: FixedClock, **settings: Any) -> Flask:
    """An app as another web process would build it: its own engine on the same database."""
    config = TestConfig(
        database_url=engine.url.render_as_string(hide_password=False),
        instance_path=tmp_path / "instance",
    )
    return create_app(replace(config, **settings), clock=clock)


# --- back-off per account and per address -------------------------------------------------


def test_account_locks_after_five_failures_even_for_the_right_password(
    client: FlaskClient, session: Session, auth: AuthActions, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(session)
    session.commit()
    assert fail(client, user.email, 5) == [401] * 5
    checked: list[str] = []
    verify = auth_service.verify_password
    monkeypatch.setattr(
        auth_service, "verify_password", lambda h, p: checked.append(p) or verify(h, p)
    )
    refused = post_login(client, user.email, DEFAULT_PASSWORD)
    assert waits(refused, 60)
    assert TOO_MANY + " 1 minute." in refused.get_data(as_text=True)
    assert checked == [], "a locked sign-in must be refused before argon2 runs"
    assert not signed_in(client)
    [lock] = lockouts(session)
    assert lock["kind"] == "account"
    assert lock["failures"] == 5
    auth.login_as(Role.ADMIN)
    trail = client.get("/admin/audit").get_data(as_text=True)
    assert "Sign-in locked after failed attempts" in trail


def test_unknown_email_is_locked_exactly_like_a_real_one(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    session.commit()
    answers = {}
    for email in (user.email, "nobody-here@example.com"):
        assert fail(client, email, 5) == [401] * 5
        refused = post_login(client, email, DEFAULT_PASSWORD)
        page = refused.get_data(as_text=True)
        answers[email] = (refused.status_code, waits(refused, 60), TOO_MANY in page)
    assert answers[user.email] == answers["nobody-here@example.com"] == (429, True, True)


def test_lock_ends_with_time_and_success_resets_the_account_count(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    user = make_user(session)
    session.commit()
    fail(client, user.email, 5)
    clock.advance(timedelta(seconds=59))
    assert waits(post_login(client, user.email, DEFAULT_PASSWORD), 1)
    clock.advance(timedelta(seconds=1))
    assert post_login(client, user.email, DEFAULT_PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    # The count started over: four more failures lock nothing.
    assert fail(client, user.email, 4) == [401] * 4
    assert post_login(client, user.email, DEFAULT_PASSWORD).status_code == 302


def test_each_failure_after_a_lock_doubles_it_up_to_the_cap(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    user = make_user(session)
    session.commit()
    fail(client, user.email, 5)
    for _ in range(8):
        lock_end = datetime.fromisoformat(lockouts(session)[-1]["locked_until"])
        assert post_login(client, user.email, DEFAULT_PASSWORD).status_code == 429
        clock.advance(lock_end - clock.now())
        assert fail(client, user.email, 1) == [401]
    locks = lockouts(session)
    assert [lock["failures"] for lock in locks] == list(range(5, 14))
    minutes = [lock_minutes(lock) for lock in locks]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_failures_spread_wider_than_the_window_never_lock(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    user = make_user(session)
    session.commit()
    for _ in range(3):
        assert fail(client, user.email, 4) == [401] * 4
        clock.advance(timedelta(minutes=15))
    assert post_login(client, user.email, DEFAULT_PASSWORD).status_code == 302
    assert lockouts(session) == []


def test_one_address_trying_many_accounts_is_locked_out(app: Flask, session: Session) -> None:
    user = make_user(session)
    session.commit()
    attacker, colleague = app.test_client(), app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    colleague.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    for number in range(19):
        assert fail(attacker, f"guess{number}@example.com", 1) == [401]
    # Signing in to a real account in between does not wipe the address's record.
    assert post_login(attacker, user.email, DEFAULT_PASSWORD).status_code == 302
    attacker.post("/logout", data={"csrf_token": csrf_token(attacker, "/account")})
    assert fail(attacker, "guess19@example.com", 1) == [401]
    assert waits(post_login(attacker, user.email, DEFAULT_PASSWORD), 60)
    assert post_login(colleague, user.email, DEFAULT_PASSWORD).status_code == 302
    assert [lock["kind"] for lock in lockouts(session)] == ["ip"]


@pytest.fixture
def shared_database(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own, committed to for real, as separate processes would use it."""
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        yield engine
        engine.dispose()


def test_two_processes_share_failures_and_locks(
    shared_database: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    with sessionmaker(bind=shared_database)() as session:
        user = make_user(session)
        session.commit()
        email = user.email
    # The per-process rate limiter is off: only the database can carry the count across.
    first, second = (
        build_app(shared_database, tmp_path / name, clock, ratelimit_enabled=False)
        for name in ("first", "second")
    )
    try:
        assert fail(first.test_client(), email, 3) == [401] * 3
        assert fail(second.test_client(), email, 2) == [401] * 2
        for app in (first, second):
            refused = post_login(app.test_client(), email, DEFAULT_PASSWORD)
            assert waits(refused, 60)
        clock.advance(timedelta(minutes=1))
        assert post_login(second.test_client(), email, DEFAULT_PASSWORD).status_code == 302
        # The success in the second process reset the count the first one sees.
        assert fail(first.test_client(), email, 4) == [401] * 4
        assert post_login(first.test_client(), email, DEFAULT_PASSWORD).status_code == 302
    finally:
        for app in (first, second):
            get_runtime(app).engine.dispose()


@pytest.mark.parametrize(("hops", "colleague_locked"), [(1, False), (0, True)])
def test_behind_a_trusted_proxy_each_visitor_keeps_their_own_address(
    shared_database: Engine, clock: FixedClock, tmp_path: Path, hops: int, colleague_locked: bool
) -> None:
    with sessionmaker(bind=shared_database)() as session:
        email = make_user(session).email
        session.commit()
    app = build_app(
        shared_database,
        tmp_path,
        clock,
        proxy_hops=hops,
        sign_in_ip_failures=3,
        ratelimit_enabled=False,
    )
    try:
        attacker, colleague = app.test_client(), app.test_client()
        for visitor, address in ((attacker, "203.0.113.7"), (colleague, "198.51.100.20")):
            visitor.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # the reverse proxy
            visitor.environ_base["HTTP_X_FORWARDED_FOR"] = address
        assert fail(attacker, "guess@example.com", 3) == [401] * 3
        answer = post_login(colleague, email, DEFAULT_PASSWORD)
        assert (answer.status_code == 429) is colleague_locked
    finally:
        get_runtime(app).engine.dispose()
