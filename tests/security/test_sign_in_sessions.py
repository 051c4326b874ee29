"""Sign-in sessions, attacked through the real forms on SQLite and PostgreSQL.

Sessions and remember-me cookies end on a password change, a reset or a deactivation; a
session planted before sign-in carries nothing over; remember-me only when asked for.
The back-off against guessing is in ``test_sign_in``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.runtime import get_runtime
from tests.conftest import AuthActions, csrf_token
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.security.test_sign_in import build_app, post_login, signed_in

SESSION_COOKIE = "surveyapp_session"
REMEMBER_COOKIE = "remember_token"
NEW_PASSWORD = "a brand new passphrase"


# --- sessions end on password change, reset and deactivation ------------------------------


def browser(app: Flask, email: str, *, remember: bool = False) -> FlaskClient:
    client = app.test_client()
    assert post_login(client, email, DEFAULT_PASSWORD, remember=remember).status_code == 302
    return client


def only_remember_cookie(client: FlaskClient) -> FlaskClient:
    """The browser after it was closed: the session cookie is gone, the remember cookie kept."""
    client.delete_cookie(SESSION_COOKIE)
    return client


def change_password(client: FlaskClient) -> TestResponse:
    data = {
        "csrf_token": csrf_token(client, "/account"),
        "current_password": DEFAULT_PASSWORD,
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    return client.post("/account/password", data=data)


def test_password_change_ends_other_sessions_but_keeps_this_one(
    app: Flask, session: Session
) -> None:
    user = make_user(session)
    session.commit()
    here = browser(app, user.email, remember=True)
    elsewhere = browser(app, user.email, remember=True)
    stolen_cookie = elsewhere.get_cookie(REMEMBER_COOKIE)
    assert stolen_cookie is not None
    assert change_password(here).status_code == 302
    assert signed_in(here)
    assert signed_in(only_remember_cookie(here)), "the re-issued remember cookie works"
    assert not signed_in(elsewhere)
    thief = app.test_client()
    thief.set_cookie(REMEMBER_COOKIE, stolen_cookie.value)
    assert not signed_in(thief)


def test_admin_deactivation_signs_the_person_out_everywhere_for_good(
    app: Flask, session: Session, auth: AuthActions, client: FlaskClient
) -> None:
    auth.login_as(Role.ADMIN)
    agent = make_user(session, role=Role.AGENT)
    session.commit()
    desk, laptop = browser(app, agent.email), browser(app, agent.email, remember=True)
    form = {"name": agent.name, "role": "agent", "csrf_token": ""}
    for active in (False, True):  # deactivate, then reactivate
        form["csrf_token"] = csrf_token(client, f"/admin/users/{agent.id}")
        data = {**form, **({"is_active": "y"} if active else {})}
        assert client.post(f"/admin/users/{agent.id}", data=data).status_code == 302
        assert not signed_in(desk)
        assert not signed_in(only_remember_cookie(laptop))
    assert signed_in(browser(app, agent.email)), "reactivated: a new sign-in works"


def test_admin_password_reset_ends_the_users_sessions(
    app: Flask, session: Session, auth: AuthActions, client: FlaskClient
) -> None:
    auth.login_as(Role.ADMIN)
    agent = make_user(session, role=Role.AGENT)
    session.commit()
    desk = browser(app, agent.email, remember=True)
    token = csrf_token(client, f"/admin/users/{agent.id}")
    reset = client.post(f"/admin/users/{agent.id}/password", data={"csrf_token": token})
    assert reset.status_code == 200
    assert not signed_in(desk)
    assert not signed_in(only_remember_cookie(desk))


# --- session fixation ------------------------------------------------------------------


def session_of(client: FlaskClient) -> dict[str, Any]:
    with client.session_transaction() as stored:
        return dict(stored)


def test_sign_in_starts_a_fresh_session_keeping_only_the_language(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    session.commit()
    planted_token = csrf_token(client, "/login")
    client.post("/language", data={"csrf_token": planted_token, "locale": "de"})
    with client.session_transaction() as stored:
        stored["planted"] = "attacker-chosen"
    token_before = session_of(client)["csrf_token"]
    before = client.get_cookie(SESSION_COOKIE)
    assert before is not None
    assert post_login(client, user.email, DEFAULT_PASSWORD).status_code == 302
    after = client.get_cookie(SESSION_COOKIE)
    assert after is not None
    assert after.value != before.value
    kept = session_of(client)
    assert "planted" not in kept
    assert kept["locale"] == "de"
    assert kept["_user_id"] == user.get_id()
    csrf_token(client, "/account")  # a form page hands out this session's token
    assert session_of(client)["csrf_token"] != token_before
    # The token known before sign-in (say, to whoever planted the cookie) is dead now.
    stale = client.post("/language", data={"csrf_token": planted_token, "locale": "en"})
    assert stale.status_code == 400


def test_sign_out_clears_the_whole_session(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.VIEWER)
    client.post("/language", data={"csrf_token": csrf_token(client, "/"), "locale": "de"})
    with client.session_transaction() as stored:
        stored["leftover"] = "from the signed-in session"
    token_before = session_of(client)["csrf_token"]
    auth.logout()
    left = session_of(client)
    assert set(left) <= {"_flashes"}, left
    assert not signed_in(client)
    assert session_of(client).get("csrf_token") != token_before


# --- remember me -------------------------------------------------------------------------


def remember_cookie_header(response: TestResponse) -> str | None:
    """The ``Set-Cookie`` header that gives a remember-me cookie (deletions do not count)."""
    headers = response.headers.getlist("Set-Cookie")
    setting = REMEMBER_COOKIE + "="
    return next((h for h in headers if h.startswith(setting) and h[len(setting)] != ";"), None)


def lasts_days(attributes: list[str]) -> int:
    """Whole days until the cookie's ``Expires`` (Flask-Login sets it from the wall clock)."""
    expires = next(a.split("=", 1)[1] for a in attributes if a.startswith("Expires="))
    left = parsedate_to_datetime(expires) - datetime.now(UTC)
    return round(left / timedelta(days=1))


def test_remember_me_is_off_unless_ticked(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    response = post_login(client, user.email, DEFAULT_PASSWORD)
    assert remember_cookie_header(response) is None
    assert client.get_cookie(REMEMBER_COOKIE) is None
    assert not signed_in(only_remember_cookie(client)), "closing the browser signs out"


def test_ticked_remember_me_sets_a_bounded_httponly_samesite_cookie(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    session.commit()
    header = remember_cookie_header(post_login(client, user.email, DEFAULT_PASSWORD, remember=True))
    assert header is not None
    attributes = [part.strip() for part in header.split(";")]
    assert "HttpOnly" in attributes
    assert "SameSite=Lax" in attributes
    assert "Secure" not in attributes  # plain http test address
    assert lasts_days(attributes) == 14
    assert signed_in(only_remember_cookie(client))


def test_remember_cookie_is_secure_under_https_and_its_length_is_configurable(
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    user = make_user(session)
    session.commit()
    app = build_app(engine, tmp_path, clock, base_url="https://surveys.example", remember_me_days=3)
    get_runtime(app).session_factory = session_factory
    client = app.test_client()
    response = post_login(client, user.email, DEFAULT_PASSWORD, remember=True)
    attributes = [part.strip() for part in (remember_cookie_header(response) or "").split(";")]
    assert "Secure" in attributes
    assert lasts_days(attributes) == 3
    get_runtime(app).engine.dispose()


def test_sign_out_and_an_unticked_sign_in_remove_the_remember_cookie(
    app: Flask, session: Session
) -> None:
    user = make_user(session)
    session.commit()
    client = browser(app, user.email, remember=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert client.get_cookie(REMEMBER_COOKIE) is None, "sign-out deletes the remember cookie"
    laptop = browser(app, user.email, remember=True)
    assert change_password(browser(app, user.email)).status_code == 302
    assert laptop.get_cookie(REMEMBER_COOKIE) is not None  # stale now, but still in the jar
    assert post_login(laptop, user.email, NEW_PASSWORD).status_code == 302
    assert laptop.get_cookie(REMEMBER_COOKIE) is None
    assert not signed_in(only_remember_cookie(laptop))
