"""Every route of ``app.url_map`` is catalogued, and every staff and API route refuses strangers.

The catalogue (``tests/security/routes.py``) names each endpoint; the walks below take their
URLs from it, filled with real ids of seeded objects so that the guard, not a 404, answers.
Refusals must change nothing: the whole database is compared before and after each walk.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from surveyapp.domain.case_states import targets_from
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import User
from surveyapp.services import api_keys
from surveyapp.services.api_keys import SCOPES
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_contact, make_user
from tests.security.route_samples import Seeded, database_rows, seed
from tests.security.routes import (
    KEYLESS_API_ENDPOINTS,
    OPEN_ENDPOINTS,
    STAFF_SECTIONS,
    Kind,
    Route,
    catalogue,
    guard_section,
    routes_of,
    stale_endpoints,
    unknown_endpoints,
    url_for_route,
)

# The catalogue checks read only the URL map, which is the same whatever the database.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])
JSON = {"Accept": "application/json"}


def send(client: FlaskClient, route: Route, url: str, token: str, **kwargs: Any) -> TestResponse:
    """The route's request; changes carry a valid CSRF token so that only the guard answers."""
    if route.changes:
        kwargs["data"] = {"csrf_token": token}
    return client.open(url, method=route.method, **kwargs)


@sqlite_only
def test_every_endpoint_is_in_the_catalogue(app: Flask) -> None:
    assert unknown_endpoints(app) == [], "classify new routes in tests/security/routes.py"
    assert stale_endpoints(app) == [], "remove routes the app no longer has"
    kinds = {route.kind for route in catalogue(app)}
    assert kinds == set(Kind)


@sqlite_only
def test_staff_guards_name_the_catalogued_section(app: Flask) -> None:
    for endpoint, section in STAFF_SECTIONS.items():
        assert guard_section(app, endpoint) == section, f"{endpoint} guard changed"
    for endpoint in OPEN_ENDPOINTS:
        assert guard_section(app, endpoint) is None, f"{endpoint} is a staff view"


@sqlite_only
def test_every_keyed_api_route_names_a_known_scope(app: Flask) -> None:
    for route in routes_of(app, Kind.API):
        if route.endpoint in KEYLESS_API_ENDPOINTS:
            assert route.scope is None, route
        else:
            assert route.scope in SCOPES, f"{route} has no @requires_scope"


def test_anonymous_visitors_are_refused_on_every_staff_route(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    values = seed(session).values
    token = csrf_token(client, "/login")
    before = database_rows(session)
    for route in routes_of(app, Kind.STAFF):
        url = url_for_route(route, values)
        page = send(client, route, url, token)
        assert page.status_code == 302, route
        assert page.headers["Location"].startswith("/login?next="), route
        program = send(client, route, url, token, headers=JSON)
        assert program.status_code == 401, route
        assert program.mimetype == "application/problem+json", route
        assert program.get_json()["status"] == 401, route
    assert database_rows(session) == before


def test_each_role_is_refused_where_its_section_does_not_admit_it(
    app: Flask, session: Session
) -> None:
    seeded = seed(session)
    clients = {}
    for role in Role:  # every user in both teams: only the role can be what refuses them
        clients[role] = app.test_client()
        AuthActions(clients[role], session).login_as(role, teams=[seeded.team_a, seeded.team_b])
    before = database_rows(session)
    walked = 0
    for role, client in clients.items():
        token = csrf_token(client, "/account")
        for route in routes_of(app, Kind.STAFF):
            if role in route.allowed:
                continue
            answer = send(client, route, url_for_route(route, seeded.values), token)
            assert answer.status_code == 403, f"{role} got {answer.status_code} at {route}"
            walked += 1
        assert client.get("/").status_code == 200  # still signed in: nothing logged them out
    assert walked >= 100
    assert database_rows(session) == before


def test_api_refuses_missing_revoked_and_unscoped_keys(
    app: Flask, client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    values = seed(session).values
    admin = make_user(session, role=Role.ADMIN)
    revoked = api_keys.create_key(session, name="Old", scopes=SCOPES, clock=clock, actor=admin)
    api_keys.revoke_key(session, revoked.api_key.id, clock=clock, actor=admin)
    lacking = {}
    for scope in SCOPES:
        others = [other for other in SCOPES if other != scope]
        created = api_keys.create_key(
            session, name=f"Without {scope}", scopes=others, clock=clock, actor=admin
        )
        created.api_key.last_used_at = clock.now()  # its use is noted once a minute, not now
        lacking[scope] = created.secret
    session.commit()
    before = database_rows(session)
    keyed = [r for r in routes_of(app, Kind.API) if r.endpoint not in KEYLESS_API_ENDPOINTS]
    assert len(keyed) >= 8
    for route in keyed:
        assert route.scope is not None
        url = url_for_route(route, values)
        anonymous = client.open(url, method=route.method, json={})
        assert anonymous.status_code == 401, route
        assert anonymous.mimetype == "application/problem+json", route
        assert anonymous.headers["WWW-Authenticate"].startswith("Bearer"), route
        for secret, status in ((revoked.secret, 401), (lacking[route.scope], 403)):
            answer = client.open(
                url, method=route.method, json={}, headers={"Authorization": f"Bearer {secret}"}
            )
            assert answer.status_code == status, f"{route} with {secret[:10]}"
            assert answer.mimetype == "application/problem+json", route
    for endpoint in KEYLESS_API_ENDPOINTS:  # the description is public, and reads nothing
        [rule] = app.url_map.iter_rules(endpoint)
        assert client.get(rule.rule).status_code == 200, endpoint
    assert database_rows(session) == before


def _case_form(seeded: Seeded, session: Session, actor: User) -> dict[str, object]:
    """Valid answers to every form that changes the seeded case (each view reads its own)."""
    case = seeded.case_b
    session.refresh(case)
    version = str(case.version)
    cause = str(seeded.values["root_cause_id"])
    return {
        "note-text": "Called, no answer.",
        "status-status": targets_from(case.status, actor.role)[0].value,
        "assign-owner_id": str(actor.id),
        "assign-team_id": str(seeded.team_b.id),
        "causes-root_causes": cause,
        "resolve-resolution": "Refunded the order.",
        "resolve-root_causes": cause,
        "message-body": "We are sorry and refunded your order.",
        "goodwill-kind": "voucher",
        "goodwill-amount": "5.00",
        "goodwill-currency": "EUR",
        "goodwill-note": "Voucher",
        "decision": "approve",
        "items": "0",
        "case": f"{case.id}:{version}",
        "owner_id": str(actor.id) if case.owner_id is None else "",  # bulk: a real move
        **{f"{prefix}-version": version for prefix in ("status", "assign", "causes", "resolve")},
    }


def _case_changes(app: Flask) -> list[Route]:
    """Every change of one case, resolving last (a resolved case takes fewer changes)."""
    changes = [
        route
        for route in routes_of(app, Kind.STAFF)
        if route.changes
        and route.endpoint.startswith("cases.")
        and ("case_id" in route.rule.arguments or route.endpoint == "cases.bulk_assign")
    ]
    return sorted(changes, key=lambda route: route.endpoint == "cases.resolve")


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AGENT])
def test_team_bound_staff_cannot_touch_another_teams_case_by_its_id(
    role: Role, app: Flask, session: Session
) -> None:
    seeded = seed(session)
    stranger, member = app.test_client(), app.test_client()
    outsider = AuthActions(stranger, session).login_as(role, teams=[seeded.team_a])
    # A manager of the case's team may make every change (agents may not decide goodwill).
    insider = AuthActions(member, session).login_as(Role.MANAGER, teams=[seeded.team_b])
    case_page = f"/cases/{seeded.case_b.id}"
    assert stranger.get(case_page).status_code == 403
    assert member.get(case_page).status_code == 200
    changes = _case_changes(app)
    assert len(changes) >= 9
    token = csrf_token(stranger, "/account")
    before = database_rows(session)
    for route in changes:
        data = {**_case_form(seeded, session, outsider), "csrf_token": token}
        answer = stranger.post(url_for_route(route, seeded.values), data=data)
        if "case_id" in route.rule.arguments:
            assert answer.status_code == 403, f"{role} of team A: {route}"
        else:  # bulk assign leaves the cases one may not work alone, and says so
            page = stranger.get(answer.headers["Location"]).get_data(as_text=True)
            assert "1 case was left as it was" in page, route
        assert database_rows(session) == before, f"{role} of team A changed something: {route}"
    # The same requests from the case's own team are accepted: the team refused, not the form.
    before = database_rows(session)
    token = csrf_token(member, "/account")
    unchanged = []
    for route in changes:
        data = {**_case_form(seeded, session, insider), "csrf_token": token}
        member.post(url_for_route(route, seeded.values), data=data)
        after = database_rows(session)
        if after == before:
            unchanged.append(route.endpoint)
        before = after
    assert not unchanged, ", ".join(unchanged)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AGENT])
def test_team_bound_staff_cannot_read_another_teams_responses_or_reports(
    role: Role, app: Flask, session: Session
) -> None:
    seeded = seed(session)
    stranger, member = app.test_client(), app.test_client()
    AuthActions(stranger, session).login_as(role, teams=[seeded.team_a])
    AuthActions(member, session).login_as(role, teams=[seeded.team_b])
    detail = f"/responses/{seeded.response_b.id}"
    assert stranger.get(detail).status_code == 403
    assert member.get(detail).status_code == 200
    link = f'href="{detail}"'
    assert link not in stranger.get("/responses/").get_data(as_text=True)
    assert link in member.get("/responses/").get_data(as_text=True)
    team_b = f"team_id={seeded.team_b.id}"
    touchpoint_b = f"touchpoint_id={seeded.touchpoint_b.id}"
    reports = ("/", "/responses", "/export.csv", "/export.jsonl", "/pdf", "/review", "/journey")
    for path in (f"/reports{page}" for page in reports):
        for query in (team_b, touchpoint_b):
            answer = stranger.get(f"{path}?{query}")
            assert answer.status_code == 403, f"{role} of team A read {path}?{query}"
            assert member.get(f"{path}?{query}").status_code == 200, f"{path}?{query}"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AGENT])
def test_team_bound_staff_cannot_open_or_change_another_teams_contact(
    role: Role, app: Flask, session: Session
) -> None:
    seeded = seed(session)
    stranger, member = app.test_client(), app.test_client()
    AuthActions(stranger, session).login_as(role, teams=[seeded.team_a])
    AuthActions(member, session).login_as(role, teams=[seeded.team_b])
    detail = f"/contacts/{seeded.contact_b.id}"
    assert stranger.get(detail).status_code == 403
    assert member.get(detail).status_code == 200
    unmet = make_contact(session)  # no team met them yet: shared, like a case of no team
    session.commit()
    assert stranger.get(f"/contacts/{unmet.id}").status_code == 200
    link = f'href="{detail}"'
    assert link not in stranger.get("/contacts/").get_data(as_text=True)
    assert link in member.get("/contacts/").get_data(as_text=True)
    token = csrf_token(stranger, "/account")
    before = database_rows(session)
    consent = {"channel": "email", "action": "grant", "csrf_token": token}
    for action, data in (("consent", consent), ("export", {"csrf_token": token})):
        answer = stranger.post(f"{detail}/{action}", data=data)
        assert answer.status_code == 403, f"{role} of team A: {action}"
    assert database_rows(session) == before
