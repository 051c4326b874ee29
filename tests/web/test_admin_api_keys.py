"""Admins create API keys (shown once, stored hashed), see their use, and revoke them."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import ApiKey, AuditEvent
from surveyapp.services.api_keys import SCOPES
from surveyapp.web.admin.api_key_forms import SCOPE_LABELS
from tests.conftest import AuthActions, csrf_token

PAGE = "/admin/api-keys"


def _create(client: FlaskClient, **fields: object):  # type: ignore[no-untyped-def]
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), **fields})


def _secret(page: str) -> str:
    match = re.search(r'class="generated-secret[^"]*">([^<]+)<', page)
    assert match, page
    return html.unescape(match.group(1))


def _key_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ApiKey)) or 0


def test_admin_creates_a_key_that_is_shown_once_and_works(
    client: FlaskClient, session: Session, auth: AuthActions, clock: FixedClock
) -> None:
    admin = auth.login_as(Role.ADMIN)
    response = _create(client, name="CRM", scopes=["touchpoints:read", "responses:read"])
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "shown only this once" in page
    secret = _secret(page)
    key = session.scalars(select(ApiKey)).one()
    assert key.name == "CRM"
    assert key.scopes == ["responses:read", "touchpoints:read"]
    assert secret not in key.key_hash
    assert key.created_by_id == admin.id

    listing = client.get(PAGE).get_data(as_text=True)
    assert secret not in listing
    assert f"{key.prefix}…" in listing
    assert "Read touchpoints" in listing
    assert "never" in listing

    clock.advance(timedelta(hours=2))
    used = client.get("/api/v1/touchpoints", headers={"Authorization": f"Bearer {secret}"})
    assert used.status_code == 200
    session.refresh(key)
    assert key.last_used_at == clock.now()
    assert "never" not in client.get(PAGE).get_data(as_text=True)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "api_key.created")).one()
    assert event.actor_id == admin.id


def test_name_and_scopes_are_required(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.ADMIN)
    cases = [
        ({"name": "", "scopes": ["touchpoints:read"]}, "Enter a name."),
        ({"name": "CRM"}, "Choose at least one scope."),
        ({"name": "CRM", "scopes": ["everything"]}, "not a valid choice"),
        ({"name": "N" * 121, "scopes": ["touchpoints:read"]}, "Use at most 120 characters."),
    ]
    for fields, message in cases:
        response = _create(client, **fields)
        assert response.status_code == 400, fields
        assert message in html.unescape(response.get_data(as_text=True)), fields
    assert _key_count(session) == 0


def test_revoking_stops_the_key_at_once(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.ADMIN)
    secret = _secret(_create(client, name="Shop", scopes=["touchpoints:read"]).get_data(True))
    key = session.scalars(select(ApiKey)).one()
    token = csrf_token(client, PAGE)
    response = client.post(f"{PAGE}/revoke", data={"csrf_token": token, "key_id": str(key.id)})
    assert response.status_code == 302
    listing = client.get(PAGE).get_data(as_text=True)
    assert "The API key Shop was revoked." in listing
    assert "Revoked" in listing
    session.refresh(key)
    assert key.revoked_at is not None
    refused = client.get("/api/v1/touchpoints", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401


@pytest.mark.parametrize(("key_id", "status"), [("", 400), ("abc", 400), ("999999", 404)])
def test_revoking_needs_a_known_key(
    client: FlaskClient, auth: AuthActions, key_id: str, status: int
) -> None:
    auth.login_as(Role.ADMIN)
    token = csrf_token(client, PAGE)
    response = client.post(f"{PAGE}/revoke", data={"csrf_token": token, "key_id": key_id})
    assert response.status_code == status


@pytest.mark.parametrize("role", [Role.CX_OWNER, Role.MANAGER, Role.AGENT, Role.VIEWER])
def test_only_admins_manage_keys(client: FlaskClient, auth: AuthActions, role: Role) -> None:
    auth.login_as(role)
    assert client.get(PAGE).status_code == 403


def test_the_admin_tabs_link_the_keys(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.ADMIN)
    page = client.get(PAGE).get_data(as_text=True)
    assert f'href="{PAGE}"' in page
    assert 'aria-current="page"' in page


def test_every_scope_has_a_label() -> None:
    assert set(SCOPE_LABELS) == set(SCOPES)
