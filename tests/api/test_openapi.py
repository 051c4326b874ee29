"""The OpenAPI document is valid, complete, generated from the code and rendered as docs."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from openapi_spec_validator import validate
from sqlalchemy.orm import Session

from surveyapp.services.api_keys import SCOPES
from surveyapp.web.api.v1.openapi import build_document
from tests.api.conftest import ApiClient, Scenario, interaction
from tests.factories import make_published_survey, make_response


def _operations(document: dict) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    return [
        (path, method, spec)
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
    ]


def test_the_served_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document == build_document()
    assert document["openapi"] == "3.1.0"


def test_every_operation_documents_its_scope_and_errors() -> None:
    document = build_document()
    operations = _operations(document)
    assert {(path, method) for path, method, _ in operations} == {
        ("/contacts/{external_id}", "put"),
        ("/contacts/{external_id}/consent", "post"),
        ("/delivery-reports", "post"),
        ("/interactions", "post"),
        ("/interactions/batch", "post"),
        ("/touchpoints", "get"),
        ("/responses", "get"),
        ("/responses/{response_id}", "get"),
    }
    used_scopes = set()
    for path, method, spec in operations:
        [requirement] = spec["security"]
        used_scopes.update(requirement["apiKey"])
        assert {"401", "403", "429"} <= set(spec["responses"]), (path, method)
        if "requestBody" in spec:
            assert {"400", "413", "415", "422"} <= set(spec["responses"]), (path, method)
        for name in re.findall(r"\{(\w+)\}", path):
            assert any(p["name"] == name and p["in"] == "path" for p in spec["parameters"])
    assert used_scopes == set(SCOPES)
    assert "Idempotency-Key" in document["info"]["description"]


def test_docs_page_lists_every_operation_without_inline_script(client: FlaskClient) -> None:
    response = client.get("/api/v1/docs")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "inline script on the docs page"
    assert " style=" not in page
    assert "cdn" not in page.lower()
    document = build_document()
    for path, method, spec in _operations(document):
        assert f'id="{spec["operationId"]}"' in page
        assert f"<code>/api/v1{path}</code>" in page, path
        assert method.upper() in page
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    assert 'id="problem-validation-failed"' in page
    assert "curl -X PUT &#39;http://localhost/api/v1/contacts/C-1001&#39;" in page
    assert "Authorization: Bearer $SURVEYAPP_API_KEY" in page
    assert "since=2026-03-01T00%3A00%3A00Z" in page


def test_every_operation_succeeds_as_documented(
    api: ApiClient, session: Session, scenario: Scenario
) -> None:
    """One successful call per operation, each checked against its schema by the client."""
    _, version = make_published_survey(session, name="Tour")
    response = make_response(session, version, comment="Great")
    session.commit()
    calls = [
        api.put("/contacts/C-1", json={"email": "a@example.com", "attributes": {"vip": True}}),
        api.post("/contacts/C-1/consent", json={"channel": "web", "action": "granted"}),
        api.post("/interactions", json=interaction(1)),
        api.post("/interactions/batch", json={"items": [interaction(2), {"id": 3}]}),
        api.get("/touchpoints"),
        api.get("/responses?limit=1&since=2026-01-01T00:00:00Z"),
        api.get(f"/responses/{response.id}"),
        api.post("/delivery-reports", json={"email": "a@example.com", "type": "complaint"}),
    ]
    assert [call.status_code for call in calls] == [201, 201, 201, 200, 200, 200, 200, 200]
