"""API keys guard every operation: 401 without a valid key, 403 without the scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.models import ApiKey
from surveyapp.services import api_keys
from tests.api.conftest import ApiClient, DocumentChecker, Keys

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert body["type"].startswith("http://localhost/api/v1/docs#problem-")
    return body


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer two words", "sa_no_scheme"],
)
def test_a_missing_or_malformed_key_is_401_with_a_bearer_challenge(
    client: FlaskClient, checker: DocumentChecker, authorization: str | None
) -> None:
    api = ApiClient(client, checker, None)
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = api.get("/touchpoints", headers=headers)
    body = _problem(response, 401)
    assert body["title"] == "Unauthorized"
    assert "Authorization: Bearer" in body["detail"]
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="surveyapp"'


def test_an_unknown_or_revoked_key_is_401(
    client: FlaskClient, checker: DocumentChecker, session: Session, clock: FixedClock, keys: Keys
) -> None:
    secret = keys.create(["touchpoints:read"])
    api = ApiClient(client, checker, secret)
    assert api.get("/touchpoints").status_code == 200
    unknown = _problem(api.get("/touchpoints", key=secret + "x"), 401)
    assert unknown["detail"] == "This API key is not valid or was revoked."

    key = session.scalars(select(ApiKey).where(ApiKey.prefix == secret[:10])).one()
    api_keys.revoke_key(session, key.id, clock=clock, actor=keys.admin)
    session.commit()
    response = api.get("/touchpoints")
    _problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_the_scheme_name_is_case_insensitive(client: FlaskClient, keys: Keys) -> None:
    secret = keys.create(["touchpoints:read"])
    response = client.get("/api/v1/touchpoints", headers={"Authorization": f"bearer  {secret}"})
    assert response.status_code == 200


def test_a_key_without_the_scope_is_403_and_names_the_scope(
    client: FlaskClient, checker: DocumentChecker, keys: Keys
) -> None:
    api = ApiClient(client, checker, keys.create(["responses:read"]))
    body = _problem(api.get("/touchpoints"), 403)
    assert body["detail"] == "This API key lacks the scope touchpoints:read."
    forbidden = api.put("/contacts/C-1", json={"email": "a@example.com"})
    assert _problem(forbidden, 403)["detail"].endswith("contacts:write.")
    assert api.get("/responses").status_code == 200


def test_last_use_is_recorded_even_when_the_request_then_fails(
    client: FlaskClient,
    checker: DocumentChecker,
    session: Session,
    clock: FixedClock,
    keys: Keys,
) -> None:
    secret = keys.create(["contacts:write"])
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == secret[:10])).one()
    assert key.last_used_at is None
    clock.advance(timedelta(minutes=3))
    api = ApiClient(client, checker, secret)
    assert api.put("/contacts/C-1", json={"email": "not-an-email"}).status_code == 422
    session.refresh(key)
    assert key.last_used_at == clock.now()


def test_every_api_operation_refuses_requests_without_a_key(
    app: Flask, client: FlaskClient
) -> None:
    """The API is CSRF-exempt because it never trusts cookies: no key, no access."""
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api_v1.")
        and rule.endpoint not in {"api_v1.docs", "api_v1.openapi_document"}
    ]
    assert len(rules) == 8
    for rule in rules:
        url = rule.rule.replace("<external_id>", "C-1").replace("<int:response_id>", "1")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method, json={})
            assert response.status_code == 401, f"{method} {url}"
            assert "Set-Cookie" not in response.headers


def test_the_docs_and_the_document_need_no_key(client: FlaskClient) -> None:
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200
