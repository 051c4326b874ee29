"""Every state-changing route refuses a forged request, and changes nothing.

Staff and respondent forms carry a signed per-render CSRF token (Flask-WTF); respondent posts
must also come from this installation's own pages (``Origin``). The RFC 8058 one-click
unsubscribe is the one deliberate exception. The website widget sends no cookies, so it has
no token; its calls are admitted per site by ``Origin`` instead (``web/embed/access.py``).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.embed import sign_contact
from surveyapp.domain.roles import Role
from surveyapp.services import invitations
from tests.conftest import CSRF_PATTERN, AuthActions, csrf_token
from tests.factories import make_published_survey, make_user, make_web_rule, make_web_site
from tests.security.route_samples import database_rows, seed
from tests.security.routes import (
    CSRF_EXEMPT_RESPONDENT_ENDPOINTS,
    Kind,
    Route,
    catalogue,
    url_for_route,
)

FOREIGN = "https://attacker.example"
SHOP = "https://shop.example"
# The fields of the forms, so that only the missing or wrong token can be what refuses.
FORM_FIELDS = {"name": "Changed", "email": "changed@example.com", "text": "x", "score": "0"}


def _forgeable(app: Flask) -> list[Route]:
    """Every changing route a browser with cookies can be tricked into sending."""
    return [
        route
        for route in catalogue(app)
        if route.changes
        and route.kind in {Kind.STAFF, Kind.RESPONDENT, Kind.AUTH}
        and route.endpoint not in CSRF_EXEMPT_RESPONDENT_ENDPOINTS
    ]


def _token_of_another_session(app: Flask) -> str:
    """A real, well-signed token, but minted for someone else's session (the attacker's)."""
    return csrf_token(app.test_client(), "/login")


def test_every_changing_route_refuses_a_missing_or_wrong_token(
    app: Flask, client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    values = seed(session).values
    auth.login_as(Role.ADMIN)  # the victim: signed in, with every role's rights
    forged = {
        "no token": None,
        "garbage token": "not-a-token",
        "another session's token": _token_of_another_session(app),
    }
    routes = _forgeable(app)
    assert len(routes) >= 60
    assert {route.kind for route in routes} == {Kind.STAFF, Kind.RESPONDENT, Kind.AUTH}
    before = database_rows(session)
    for route in routes:
        url = url_for_route(route, values)
        for what, token in forged.items():
            data = dict(FORM_FIELDS) if token is None else {**FORM_FIELDS, "csrf_token": token}
            answer = client.open(url, method=route.method, data=data)
            assert answer.status_code == 400, f"{route} with {what}"
            assert "security token" in answer.get_data(as_text=True), f"{route} with {what}"
    assert database_rows(session) == before
    assert client.get("/").status_code == 200  # still signed in: the logout was refused too


def _survey_link(session: Session, clock: FixedClock) -> str:
    owner = make_user(session, role=Role.CX_OWNER)
    survey, _ = make_published_survey(session, actor=owner)
    created = invitations.create_test_invitation(
        session, survey.id, locale="en", clock=clock, actor=owner
    )
    session.commit()
    return f"/s/{created.token}"


def _answer_form(client: FlaskClient, path: str) -> dict[str, str]:
    """Open the survey page as a browser does (a GET records the visit); a score to post."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, "no CSRF token on the survey page"
    return {"csrf_token": match.group(1), "version": "1", "steps": "first", "score": "9"}


@pytest.mark.parametrize("origin", [FOREIGN, "null", "http://localhost.attacker.example"])
def test_respondent_post_from_another_website_is_refused(
    origin: str, client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _survey_link(session, clock)
    data = _answer_form(client, path)
    before = database_rows(session)
    refused = client.post(path, data=data, headers={"Origin": origin})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 403
    assert "This answer came from another website" in text
    assert "nothing was saved" in text
    assert "Traceback" not in text
    assert database_rows(session) == before


@pytest.mark.parametrize("headers", [{}, {"Origin": "http://localhost"}])
def test_respondent_post_from_its_own_page_or_without_origin_is_accepted(
    headers: dict[str, str], client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _survey_link(session, clock)
    data = _answer_form(client, path)
    before = database_rows(session)
    assert client.post(path, data=data, headers=headers).status_code in (200, 303)
    assert database_rows(session)["responses"] != before["responses"]


def test_one_click_unsubscribe_is_the_one_token_free_post(app: Flask) -> None:
    exempt = {
        route.endpoint
        for route in catalogue(app)
        if route.changes and route.kind in {Kind.STAFF, Kind.RESPONDENT, Kind.AUTH}
    } - {route.endpoint for route in _forgeable(app)}
    assert exempt == {"public.one_click_unsubscribe"}


def test_embed_calls_from_a_foreign_origin_are_refused(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    make_web_rule(session, clock)
    site, secret = make_web_site(session, origins=(SHOP,))
    session.commit()
    base = f"/embed/v1/sites/{site.site_key}"
    track = {"event": "checkout.completed", "contact_id": "C-1"}
    track["signature"] = sign_contact(secret, "C-1")
    offered = client.post(f"{base}/eligibility", json=track, headers={"Origin": SHOP})
    offer = offered.get_json()["offer"]
    assert offer
    before = database_rows(session)
    calls = (("eligibility", track), ("show", {"offer": offer}), ("dismiss", {"token": offer}))
    for action, body in calls:
        for headers in ({"Origin": FOREIGN}, {"Origin": "null"}, {}):
            answer = client.post(f"{base}/{action}", json=body, headers=headers)
            assert answer.status_code == 403, f"{action} from {headers}"
            assert "Access-Control-Allow-Origin" not in answer.headers, action
    assert database_rows(session) == before
    shown = client.post(f"{base}/show", json={"offer": offer}, headers={"Origin": SHOP})
    assert shown.get_json()["show"] is True  # the refused offer was still good
