"""Security headers on every class of response: staff, respondent, widget, API, errors, files.

``tests/web/test_security.py`` checks the sign-in page and the session cookie; this walks one
response of every other class, and the https configuration (HSTS, Secure cookies).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.datastructures import Headers
from werkzeug.test import TestResponse

from config import TestConfig
from surveyapp.app import create_app
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.embed import sign_contact
from surveyapp.domain.roles import Role
from surveyapp.runtime import get_runtime
from surveyapp.services import api_keys, invitations
from tests.conftest import CSRF_PATTERN, AuthActions
from tests.factories import (
    DEFAULT_PASSWORD,
    make_published_survey,
    make_user,
    make_web_rule,
    make_web_site,
)

SHOP = "https://shop.example"
HTTPS_BASE = "https://feedback.example"


def _directives(headers: Headers) -> dict[str, str]:
    csp = headers.get("Content-Security-Policy")
    assert csp, "no Content-Security-Policy"
    pairs = (part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    return {pair[0]: pair[1] if len(pair) > 1 else "" for pair in pairs}


def assert_baseline(answer: TestResponse, what: str) -> dict[str, str]:
    """The headers every response carries; returns the CSP directives."""
    headers = answer.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") in {"same-origin", "no-referrer"}, what
    assert "Server" not in headers, what  # waitress answers "surveyapp" (cli.py ident)
    assert "X-Powered-By" not in headers, what
    assert "Strict-Transport-Security" not in headers, f"{what}: HSTS over plain http"
    directives = _directives(headers)
    # No plugins: object-src 'none', or no object-src and default-src 'none' (its fallback).
    assert directives.get("object-src", directives.get("default-src")) == "'none'", what
    assert "base-uri" in directives, what
    script = directives.get("script-src", directives.get("default-src", ""))
    assert "'unsafe-inline'" not in script, what
    assert "'unsafe-eval'" not in script, what
    assert "*" not in script.split(), what
    return directives


def assert_not_framable(answer: TestResponse, what: str) -> None:
    directives = assert_baseline(answer, what)
    assert directives.get("frame-ancestors") == "'none'", what
    assert answer.headers.get("X-Frame-Options") == "DENY", what


def assert_not_stored(answer: TestResponse, what: str) -> None:
    assert "no-store" in answer.headers.get("Cache-Control", ""), what


def test_staff_pages_and_exports(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.ADMIN)
    paths = (
        "/",
        "/contacts/",
        "/responses/",
        "/admin/users",
        "/reports/export.csv",
        "/reports/pdf",
    )
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert_not_framable(answer, path)
        assert_not_stored(answer, path)


def test_respondent_pages(client: FlaskClient, session: Session, clock: FixedClock) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    survey, _ = make_published_survey(session, actor=owner)
    link = invitations.create_test_invitation(
        session, survey.id, locale="en", clock=clock, actor=owner
    )
    session.commit()
    for path in (f"/s/{link.token}", "/s/not-a-valid-token", "/p/not-a-valid-token"):
        answer = client.get(path)
        assert answer.status_code in (200, 404), path
        assert_not_framable(answer, path)
        assert_not_stored(answer, path)  # the address is the respondent's key
        csp = answer.headers["Content-Security-Policy"]
        assert "form-action 'self'" in csp, path


def _widget_calls(client: FlaskClient, session: Session, clock: FixedClock) -> dict[str, object]:
    make_web_rule(session, clock)
    site, secret = make_web_site(session, origins=(SHOP, "https://www.shop.example"))
    session.commit()
    base = f"/embed/v1/sites/{site.site_key}"
    origin = {"Origin": SHOP}
    track = {"event": "checkout.completed", "contact_id": "C-1"}
    track["signature"] = sign_contact(secret, "C-1")
    eligibility = client.post(f"{base}/eligibility", json=track, headers=origin)
    offer = eligibility.get_json()["offer"]
    shown = client.post(f"{base}/show", json={"offer": offer}, headers=origin)
    return {"eligibility": eligibility, "show": shown, "frame": shown.get_json()["frame"]}


def test_widget_script_json_and_frame(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    calls = _widget_calls(client, session, clock)
    for name in ("eligibility", "show"):
        answer = calls[name]
        assert isinstance(answer, TestResponse)
        assert answer.status_code == 200, name
        assert_not_framable(answer, name)
        assert_not_stored(answer, name)
        assert answer.headers["Access-Control-Allow-Origin"] == SHOP, name
        assert "Access-Control-Allow-Credentials" not in answer.headers, name
    frame = client.get(str(calls["frame"]))
    assert frame.status_code == 200
    directives = assert_baseline(frame, "frame")
    # Framed by the site's own origins, and by nobody else.
    assert directives["frame-ancestors"].split() == [SHOP, "https://www.shop.example"]
    assert "X-Frame-Options" not in frame.headers  # it cannot list origins; the CSP does
    assert_not_stored(frame, "frame")
    script = client.get("/static/js/embed.js")
    assert script.status_code == 200
    assert script.mimetype in {"text/javascript", "application/javascript"}
    assert_not_framable(script, "embed.js")
    script.close()


def test_api_answers_and_problems(client: FlaskClient, session: Session, clock: FixedClock) -> None:
    admin = make_user(session, role=Role.ADMIN)
    key = api_keys.create_key(
        session, name="Headers", scopes=api_keys.SCOPES, clock=clock, actor=admin
    )
    session.commit()
    bearer = {"Authorization": f"Bearer {key.secret}"}
    answers = {
        "touchpoints": client.get("/api/v1/touchpoints", headers=bearer),
        "responses": client.get("/api/v1/responses", headers=bearer),
        "401 problem": client.get("/api/v1/responses"),
        "404 problem": client.get("/api/v1/responses/999999", headers=bearer),
        "openapi": client.get("/api/v1/openapi.json"),
    }
    for name, answer in answers.items():
        assert answer.is_json, name
        assert_not_framable(answer, name)
    for name in ("touchpoints", "responses", "401 problem", "404 problem"):
        assert_not_stored(answers[name], name)
    assert answers["401 problem"].mimetype == "application/problem+json"


def test_error_pages(app: Flask, client: FlaskClient) -> None:
    def explode() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/explode-for-headers", view_func=explode)
    answers = {
        "404 page": client.get("/no-such-page"),
        "405 page": client.delete("/login"),
        "500 page": client.get("/explode-for-headers"),
        "404 problem": client.get("/no-such-page", headers={"Accept": "application/json"}),
    }
    for name, answer in answers.items():
        assert answer.status_code == int(name[:3]), name
        assert_not_framable(answer, name)
        assert_not_stored(answer, name)


def test_static_files_and_health(client: FlaskClient) -> None:
    with client.get("/static/css/staff.css") as css:
        assert css.status_code == 200
        assert_not_framable(css, "static css")
    health = client.get("/healthz")
    assert health.status_code == 200
    assert_not_framable(health, "health")
    assert_not_stored(health, "health")  # a probe must see the state now, not a cached one


@pytest.fixture
def https_app(
    engine: Engine, session_factory: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> Iterator[Flask]:
    """The app configured for its public https address (as in production behind TLS)."""
    url = engine.url.render_as_string(hide_password=False)
    config = TestConfig(database_url=url, instance_path=tmp_path / "https", base_url=HTTPS_BASE)
    app = create_app(config, clock=clock)
    runtime = get_runtime(app)
    runtime.session_factory = session_factory
    yield app
    runtime.engine.dispose()


def test_https_installation_sends_hsts_and_secure_cookies(
    https_app: Flask, session: Session
) -> None:
    client = https_app.test_client()
    user = make_user(session, role=Role.VIEWER)
    session.commit()
    form = client.get("/login", base_url=HTTPS_BASE).get_data(as_text=True)
    token = CSRF_PATTERN.search(form)
    assert token
    signed_in = client.post(
        "/login",
        base_url=HTTPS_BASE,
        headers={"Referer": f"{HTTPS_BASE}/login"},  # over https, Flask-WTF checks it
        data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token.group(1)},
    )
    assert signed_in.status_code == 302
    for path in ("/", "/login", "/healthz", "/no-such-page"):
        answer = client.get(path, base_url=HTTPS_BASE)
        hsts = answer.headers.get("Strict-Transport-Security", "")
        assert "max-age=" in hsts, path
        assert int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000, path
    cookie = client.get_cookie("surveyapp_session", domain="feedback.example")
    assert cookie is not None
    assert cookie.secure
    assert cookie.http_only
    assert cookie.same_site == "Lax"
