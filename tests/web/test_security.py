"""Security headers, cookies, error pages that leak nothing, and the health check."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from surveyapp.domain.roles import Role
from surveyapp.runtime import get_runtime
from surveyapp.services._db import make_engine
from tests.conftest import AuthActions, csrf_token


def test_staff_pages_carry_strict_security_headers(client: FlaskClient) -> None:
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.ADMIN)
    for path in ("/", "/admin/users", "/admin/users/new", "/account", "/surveys/"):
        page = client.get(path).get_data(as_text=True)
        for inline in ("<script>", "onclick=", "style="):
            assert inline not in page, (path, inline)


def test_session_cookie_is_httponly_and_samesite(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.VIEWER)
    cookie = client.get_cookie("surveyapp_session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_assets_are_served_locally(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "https://" not in page
    assert "http://" not in page.replace("http://localhost", "")
    for asset in ("vendor/bootstrap-5.3.8/bootstrap.min.css", "css/staff.css", "img/favicon.svg"):
        with client.get(f"/static/{asset}") as response:
            assert response.status_code == 200, asset


def test_not_found_and_method_not_allowed_pages(client: FlaskClient) -> None:
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "Page not found" in missing.get_data(as_text=True)
    wrong_method = client.delete("/login")
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["Allow"]
    assert "This address does not accept that kind of request." in wrong_method.get_data(
        as_text=True
    )


def test_programs_get_problem_details(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404
    assert body["title"] == "Page not found"


def test_programs_learn_the_allowed_methods(client: FlaskClient) -> None:
    response = client.delete("/login", headers={"Accept": "application/json"})
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "POST" in response.headers["Allow"]


def test_oversized_request_is_refused_with_413(client: FlaskClient, app: Flask) -> None:
    token = csrf_token(client, "/login")
    too_big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/login", data={"csrf_token": token, "email": too_big, "password": "x"})
    assert response.status_code == 413
    assert "larger than this installation accepts" in response.get_data(as_text=True)


def test_crash_shows_a_reference_and_no_internals(
    engine: object, tmp_path: Path, app: Flask
) -> None:
    def explode() -> str:
        raise RuntimeError("secret internal detail /etc/passwd")

    app.add_url_rule("/explode", view_func=explode)
    response = app.test_client().get("/explode")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert "secret internal detail" not in page
    assert "Traceback" not in page
    assert 'class="reference"' in page


def test_health_check_reports_the_database(client: FlaskClient, app: Flask, tmp_path: Path) -> None:
    healthy = client.get("/healthz")
    assert healthy.status_code == 200
    assert healthy.get_json() == {"status": "ok", "database": "ok"}

    broken = make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    get_runtime(app).session_factory = sessionmaker(bind=broken)
    down = client.get("/healthz")
    assert down.status_code == 503
    assert down.get_json()["database"] == "unreachable"
    broken.dispose()
