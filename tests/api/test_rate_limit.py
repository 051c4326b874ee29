"""Each API key has its own request budget, announced in rate-limit headers."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from flask.testing import FlaskClient

from surveyapp.runtime import get_runtime
from tests.api.conftest import ApiClient, DocumentChecker, Keys


def test_rate_limit_headers_are_sent_with_every_answer(api: ApiClient) -> None:
    response = api.get("/touchpoints")
    assert response.headers["X-RateLimit-Limit"] == "600"
    assert response.headers["X-RateLimit-Remaining"] == "599"
    assert int(response.headers["X-RateLimit-Reset"]) > 0
    refused = api.put("/contacts/C-1", json={"email": "bad"})
    assert refused.status_code == 422
    assert refused.headers["X-RateLimit-Remaining"] == "598"  # one budget for all endpoints


def test_a_key_over_its_limit_gets_429_and_other_keys_do_not(
    app: Flask, client: FlaskClient, checker: DocumentChecker, keys: Keys
) -> None:
    runtime = get_runtime(app)
    # The limit is read per request, so an operator's change applies without a restart.
    runtime.config = replace(runtime.config, api_rate_limit="2 per minute")
    busy = ApiClient(client, checker, keys.create(name="Busy"))
    assert busy.get("/touchpoints").status_code == 200
    assert busy.get("/responses").status_code == 200
    refused = busy.get("/touchpoints")
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    body = refused.get_json()
    assert body["title"] == "Too many requests"
    assert "2 per 1 minute" in body["detail"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"

    other = ApiClient(client, checker, keys.create(name="Other"))
    assert other.get("/touchpoints").status_code == 200
