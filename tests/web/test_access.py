"""Every staff route checks the role: walked as anonymous and as each role."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import SECTION_ROLES, Role
from surveyapp.services import touchpoints, trigger_rules
from surveyapp.services.contacts import ContactData
from surveyapp.services.touchpoints import InteractionData
from surveyapp.services.trigger_rules import RuleSettings
from surveyapp.web.decorators import ACTION_ROLES_ATTRIBUTE, SECTION_ATTRIBUTE
from tests.conftest import AuthActions, csrf_token
from tests.factories import (
    make_case,
    make_contact,
    make_outbox_message,
    make_published_survey,
    make_response,
    make_root_cause,
    make_team,
    make_user,
    make_web_site,
)
from tests.web.cases.samples import make_recovery_samples

# Reachable without signing in; everything else must carry a staff section.
PUBLIC_ENDPOINTS = {"static", "health.healthz", "auth.login", "auth.language"}
PUBLIC_BLUEPRINTS = {"public", "api_v1", "embed", "embed_frame", "case_answers"}


def _is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or endpoint.split(".", maxsplit=1)[0] in PUBLIC_BLUEPRINTS


def _staff_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if not _is_public(rule.endpoint)]


def _sample_values(session: Session, sample_user_id: int) -> dict[str, object]:
    """One existing object per URL argument, so every staff route can be opened."""
    survey, version = make_published_survey(session)
    response = make_response(session, version)
    contact = make_contact(session)
    at = FixedClock(datetime(2026, 3, 1, tzinfo=UTC))
    touchpoint = touchpoints.create_touchpoint(
        session, key="sample.touchpoint", name="Sample", stage_key="support", clock=at, actor=None
    )
    settings = RuleSettings(name="Sample rule", touchpoint_id=touchpoint.id, survey_id=survey.id)
    rule = trigger_rules.save_rule(session, settings, clock=at, actor=None)
    sample_interaction = InteractionData(
        "sample-1", touchpoint.key, ContactData("sample-contact"), occurred_at=at.now()
    )
    recorded = touchpoints.record_interaction(session, sample_interaction, clock=at)
    interaction = recorded.interaction
    message = make_outbox_message(session, at)  # with an HTML part, so its frame opens
    team = make_team(session)
    case = make_case(session, response)  # no team: managers and agents of any team read it
    case.contact_id = contact.id  # so they may open its customer too
    cause = make_root_cause(session)
    site, _ = make_web_site(session)
    playbook, goodwill = make_recovery_samples(session, case, at)
    session.commit()
    return {
        "user_id": sample_user_id,
        "survey_id": survey.id,
        "version_number": version.number,
        "response_id": response.id,
        "question_key": "score",
        "locale": "en",
        "contact_id": contact.id,
        "touchpoint_id": touchpoint.id,
        "rule_id": rule.id,
        "interaction_id": interaction.id,
        "stage_key": "support",
        "invitation_id": recorded.invitations[0].id,
        "message_id": message.id,
        "case_id": case.id,
        "team_id": team.id,
        "root_cause_id": cause.id,
        "scope": "surveys",
        "scope_id": survey.id,
        "site_id": site.id,
        "playbook_id": playbook.id,
        "goodwill_id": goodwill.id,
    }


def _url(rule: Rule, values: dict[str, object]) -> str:
    missing = set(rule.arguments) - set(values)
    assert not missing, f"add a sample value for {missing} of {rule.rule}"
    return rule.build({name: values[name] for name in rule.arguments})[1]


def _response(client: FlaskClient, rule: Rule, url: str) -> TestResponse:
    if "GET" in rule.methods:
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(client, "/")})


def _refused(response: TestResponse) -> bool:
    to_sign_in = response.status_code == 302 and response.headers["Location"].startswith("/login")
    return to_sign_in or response.status_code in (401, 403)


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
        view = app.view_functions[rule.endpoint]
        allowed = SECTION_ROLES[getattr(view, SECTION_ATTRIBUTE)]
        if "GET" not in rule.methods:  # a change: the view may narrow the section's roles
            allowed = getattr(view, ACTION_ROLES_ATTRIBUTE, allowed)
        response = _response(client, rule, _url(rule, values))
        if role in allowed:
            assert not _refused(response), f"{role} refused at {rule.endpoint}"
            if "GET" in rule.methods:
                assert response.status_code == 200, (
                    f"{role} got {response.status_code} at {rule.endpoint}"
                )
        else:
            assert response.status_code == 403, (
                f"{role} got {response.status_code} at {rule.endpoint}"
            )
    logout = _response(client, app.url_map._rules_by_endpoint["auth.logout"][0], "/logout")
    assert logout.status_code == 302


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
    # The API takes no cookies, only keys, so it is CSRF-exempt (tests/api/test_auth.py); a
    # mail client's RFC 8058 one-click POST carries no token (tests/web/test_preferences.py).
    # The website widget sends no cookies at all (tests/web/test_embed_*.py).
    exempt = {"public.one_click_unsubscribe"}
    posts = [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods
        and not rule.endpoint.startswith(("api_v1.", "embed.", "embed_frame."))
        and rule.endpoint not in exempt
    ]
    assert len(posts) >= 8
    for rule in posts:
        url = _url(rule, {**values, "token": "not-a-token", "slug": "not-a-slug"})
        response = client.post(url, data={"name": "x", "email": "a@example.com"})
        assert response.status_code == 400, rule.endpoint
        assert "security token" in response.get_data(as_text=True), rule.endpoint
    assert client.get("/").status_code == 200  # still signed in: logout refused too
