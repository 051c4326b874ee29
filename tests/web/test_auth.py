"""Signing in and out through the real forms."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.roles import Role
from surveyapp.models import AuditEvent
from tests.conftest import AuthActions, csrf_token
from tests.factories import DEFAULT_PASSWORD, make_user


def _post_login(client: FlaskClient, email: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/login")
    data = {"email": email, "password": password, "csrf_token": token, **extra}
    return client.post("/login", data=data)


def test_anonymous_visitor_is_sent_to_sign_in_and_back(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session, role=Role.AGENT)
    session.commit()
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="/admin/users"' in login_page
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": DEFAULT_PASSWORD,
            "csrf_token": token,
            "next": "/cases/",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/cases/"


def test_sign_in_is_case_insensitive_and_audited(client: FlaskClient, session: Session) -> None:
    user = make_user(session, email="mia@example.com")
    session.commit()
    response = _post_login(client, "  MIA@Example.com ", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert "Welcome, " + user.name in client.get("/").get_data(as_text=True)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)).all()
    assert "auth.signed_in" in actions


def test_wrong_password_is_refused_with_a_message_and_audited(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    session.commit()
    response = _post_login(client, user.email, "not the password")
    assert response.status_code == 401
    assert "Email or password is not correct" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out
    failed = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed")
    ).one()
    assert failed.details == {"reason": "wrong_password"}
    assert failed.ip_hash
    assert failed.ip_hash != "127.0.0.1"


def test_deactivated_user_cannot_sign_in(client: FlaskClient, session: Session) -> None:
    user = make_user(session, is_active=False)
    session.commit()
    response = _post_login(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_empty_form_reports_each_missing_field(client: FlaskClient) -> None:
    response = _post_login(client, "", "")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your email." in page
    assert "Enter your password." in page


def test_overlong_email_is_refused(client: FlaskClient) -> None:
    response = _post_login(client, "a" * 300 + "@example.com", "whatever")
    assert response.status_code == 400
    assert "Field cannot be longer than 254 characters." in response.get_data(as_text=True)


def test_missing_csrf_token_is_refused_with_an_explanation(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    session.commit()
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_repeated_failures_are_rate_limited_with_a_clear_message(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    session.commit()
    statuses = [_post_login(client, user.email, "wrong").status_code for _ in range(5)]
    assert statuses == [401] * 5
    blocked = _post_login(client, user.email, DEFAULT_PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.get_data(as_text=True)


def test_successful_sign_ins_do_not_count_towards_the_limit(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    user = make_user(session)
    session.commit()
    for _ in range(7):
        auth.login(user.email)
        auth.logout()
    assert _post_login(client, user.email, DEFAULT_PASSWORD).status_code == 302


def test_next_parameter_cannot_redirect_to_another_site(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    session.commit()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = _post_login(client, user.email, DEFAULT_PASSWORD, next=target)
        assert response.headers["Location"] == "/"
        client.get("/logout")  # GET does not sign out ...
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})


def test_sign_out_needs_post_and_ends_the_session(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.VIEWER)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302


def test_changing_password_checks_the_current_one(client: FlaskClient, auth: AuthActions) -> None:
    user = auth.login_as(Role.AGENT)
    token = csrf_token(client, "/account")
    wrong = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "nope",
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert wrong.status_code == 400
    assert "The current password is not correct." in wrong.get_data(as_text=True)
    mismatch = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": DEFAULT_PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "something else entirely",
        },
    )
    assert "The passwords do not match." in mismatch.get_data(as_text=True)
    ok = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": DEFAULT_PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert ok.status_code == 302
    auth.logout()
    assert _post_login(client, user.email, DEFAULT_PASSWORD).status_code == 401
    assert _post_login(client, user.email, "a brand new passphrase").status_code == 302


def test_empty_password_change_names_each_field(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.VIEWER)
    response = client.post("/account/password", data={"csrf_token": csrf_token(client, "/account")})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your current password." in page
    assert "Enter a new password." in page
