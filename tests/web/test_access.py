"""Every staff route checks the role: walked as anonymous and as each role."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from surveyapp.domain.roles import SECTION_ROLES, Role
from surveyapp.web.decorators import SECTION_ATTRIBUTE
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_published_survey, make_response, make_user

# Reachable without signing in; everything else must carry a staff section.
PUBLIC_ENDPOINTS = {"static", "health.healthz", "auth.login", "auth.language"}
PUBLIC_BLUEPRINTS = {"public"}


def _is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or endpoint.split(".", maxsplit=1)[0] in PUBLIC_BLUEPRINTS


def _staff_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if not _is_public(rule.endpoint)]


def _sample_values(session: Session, sample_user_id: int) -> dict[str, object]:
    """One existing object per URL argument, so every staff route can be opened."""
    survey, version = make_published_survey(session)
    response = make_response(session, version)
    session.commit()
    return {
        "user_id": sample_user_id,
        "survey_id": survey.id,
        "version_number": version.number,
        "response_id": response.id,
        "question_key": "score",
        "locale": "en",
    }


def _url(rule: Rule, values: dict[str, object]) -> str:
    missing = set(rule.arguments) - set(values)
    assert not missing, f"add a sample value for {missing} of {rule.rule}"
    return rule.build({name: values[name] for name in rule.arguments})[1]


def _request(client: FlaskClient, rule: Rule, url: str) -> int:
    if "GET" in rule.methods:
        return client.get(url).status_code
    return client.post(url, data={"csrf_token": csrf_token(client, "/")}).status_code


def test_every_staff_view_names_its_section(app: Flask) -> None:
    for rule in _staff_rules(app):
        view = app.view_functions[rule.endpoint]
        section = getattr(view, SECTION_ATTRIBUTE, None)
        assert section in SECTION_ROLES, f"{rule.endpoint} has no @staff_view guard"


def test_anonymous_visitors_are_sent_to_sign_in(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sample = make_user(session)
    values = _sample_values(session, sample.id)
    for rule in _staff_rules(app):
        url = _url(rule, values)
        if "GET" in rule.methods:
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": csrf_token(client, "/login")})
        assert response.status_code == 302, rule.endpoint
        assert response.headers["Location"].startswith("/login"), rule.endpoint


@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_exactly_its_sections(
    role: Role, app: Flask, client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    sample = make_user(session, role=Role.ADMIN)  # keeps an admin around for demotion rules
    values = _sample_values(session, sample.id)
    auth.login_as(role)
    for rule in _staff_rules(app):
        if rule.endpoint == "auth.logout":
            continue  # walked last: it ends the session
        section = getattr(app.view_functions[rule.endpoint], SECTION_ATTRIBUTE)
        status = _request(client, rule, _url(rule, values))
        if role in SECTION_ROLES[section]:
            assert status not in (302, 401, 403), f"{role} refused at {rule.endpoint}"
            if "GET" in rule.methods:
                assert status == 200, f"{role} got {status} at {rule.endpoint}"
        else:
            assert status == 403, f"{role} got {status} at {rule.endpoint}"
    assert _request(client, app.url_map._rules_by_endpoint["auth.logout"][0], "/logout") == 302


def test_forbidden_page_explains_and_leaks_nothing(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.VIEWER)
    response = client.get("/admin/users")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Your role does not give access to this page" in page
    assert "Traceback" not in page


def test_navigation_shows_only_the_sections_of_the_role(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.login_as(Role.AGENT)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/cases/"' in page
    assert 'href="/contacts/"' in page
    assert 'href="/admin/users"' not in page
    assert 'href="/surveys/"' not in page


def test_every_form_refuses_a_post_without_csrf_token(
    app: Flask, client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    admin = auth.login_as(Role.ADMIN)
    values = _sample_values(session, admin.id)
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(posts) >= 8
    for rule in posts:
        url = _url(rule, {**values, "token": "not-a-token", "slug": "not-a-slug"})
        response = client.post(url, data={"name": "x", "email": "a@example.com"})
        assert response.status_code == 400, rule.endpoint
        assert "security token" in response.get_data(as_text=True), rule.endpoint
    assert client.get("/").status_code == 200  # still signed in: logout refused too
