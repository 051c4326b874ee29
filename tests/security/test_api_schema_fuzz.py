# ruff: noqa: F811 -- fixtures imported from tests/api/conftest.py are named as parameters
"""Schemathesis fuzzes every operation of /api/v1 from its own OpenAPI document.

The app is the real one (in-process WSGI) on SQLite and PostgreSQL, with a key holding every
scope and seeded touchpoints, contacts and responses, so generated calls reach real code.
Each operation gets valid (positive) and invalid (negative) generated requests plus the
document's own examples. A call fails the test when the answer is a 5xx, or breaks the
document: a status code the operation does not list, another media type, a body or a
rate-limit header that does not match the schema, or success without a valid key.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from surveyapp.runtime import get_runtime
from surveyapp.web.api.v1.openapi import OPERATIONS, SERVER
from tests.api.conftest import (  # noqa: F401 -- fixtures of the API tests
    ApiClient,
    Keys,
    Scenario,
    api,
    checker,
    interaction,
    keys,
    scenario,
)
from tests.factories import make_contact, make_response

# Bounded: generated requests per operation and mode (positive, negative).
MAX_EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    ignored_auth,
]
DOCUMENTED = sorted((op.path, op.method.upper()) for op in OPERATIONS)


@pytest.fixture
def secret(app: Flask, keys: Keys, scenario: Scenario, session: Session) -> str:
    """A key with every scope, and data for the calls to find: contacts and responses."""
    runtime = get_runtime(app)
    # The fuzzer makes more calls than the production budget allows in a minute.
    runtime.config = replace(runtime.config, api_rate_limit="100000 per minute")
    make_contact(session, external_id="C-1001", email="ada@example.com")
    for score in (0, 7, 10):
        make_response(session, scenario.survey.versions[-1], score=score)
    session.commit()
    return keys.create()


def test_the_fuzzer_covers_every_operation(app: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi(f"{SERVER}/openapi.json", app)
    found = sorted(
        (result.ok().path, result.ok().method.upper()) for result in schema.get_all_operations()
    )
    assert found == DOCUMENTED
    assert len(found) >= 8


@pytest.mark.parametrize(("path", "method"), DOCUMENTED)
def test_every_operation_conforms_and_never_fails(
    app: Flask, secret: str, path: str, method: str
) -> None:
    schema = schemathesis.openapi.from_wsgi(f"{SERVER}/openapi.json", app)
    operation = schema[path][method]
    strategy = st.one_of(
        *operation.get_strategies_from_examples(),
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    headers = {"Authorization": f"Bearer {secret}"}

    @given(case=strategy)
    @settings(
        max_examples=2 * MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    call()


# What the fuzzer found (each answered 500 before the fix), kept as plain regressions.


def test_a_nul_character_anywhere_is_a_422_not_a_crash(api: ApiClient, scenario: Scenario) -> None:
    # PostgreSQL cannot store U+0000 in text or JSON; SQLite would store it silently.
    named = api.put("/contacts/C-1", json={"name": "Ada\u0000"})
    assert named.status_code == 422
    assert named.get_json()["errors"][0]["field"] == "name"
    nested = api.post("/interactions", json=interaction(attributes={"queue": ["a\u0000"]}))
    assert nested.status_code == 422
    assert nested.get_json()["errors"][0]["field"] == "attributes"
    in_path = api.post("/contacts/C%001/consent", json={"channel": "email", "action": "granted"})
    assert in_path.status_code == 422
    assert in_path.get_json()["errors"][0]["field"] == "external_id"
    in_query = api.get("/responses?cursor=a%00b")
    assert in_query.status_code == 422
    batch = api.post(
        "/interactions/batch", json={"items": [interaction(1), interaction(2, id="x\u0000")]}
    )
    assert batch.status_code == 200
    assert [item["status"] for item in batch.get_json()["results"]] == ["created", "invalid"]
    assert batch.get_json()["results"][1]["errors"][0]["field"] == "id"


def test_a_time_before_year_one_in_utc_is_a_422(api: ApiClient, scenario: Scenario) -> None:
    response = api.post("/interactions", json=interaction(occurred_at="0001-01-01T00:00:00+01:00"))
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "occurred_at", "message": "Value error, is out of range"}
    ]


def test_an_id_beyond_any_stored_one_is_a_404(api: ApiClient) -> None:
    for response_id in (2**31, 2**63, 10**30):
        assert api.get(f"/responses/{response_id}").status_code == 404
