"""Bodies that are not JSON, not well-formed or too large get problem documents, not crashes."""

from __future__ import annotations

from flask import Flask

from tests.api.conftest import ApiClient


def test_a_body_that_is_not_json_is_415(api: ApiClient) -> None:
    form = api.put("/contacts/C-1", data={"email": "a@example.com"})
    assert form.status_code == 415
    assert form.mimetype == "application/problem+json"
    assert "Content-Type: application/json" in form.get_json()["detail"]
    no_type = api.post("/interactions", data=b'{"id": "x"}')
    assert no_type.status_code == 415


def test_malformed_json_is_400_and_a_wrong_shape_is_422(api: ApiClient) -> None:
    for raw in (b'{"email": ', b"", b"{'email': 'single quotes'}"):
        response = api.put("/contacts/C-1", data=raw, content_type="application/json")
        assert response.status_code == 400, raw
        assert response.get_json()["title"] == "Malformed request"
        assert response.get_json()["detail"].startswith("The body is not valid JSON")
    array = api.put("/contacts/C-1", json=["email"])
    assert array.status_code == 422
    assert array.get_json()["errors"][0]["field"] == "body"


def test_a_body_over_the_size_limit_is_413(app: Flask, api: ApiClient) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    huge = b'{"name": "' + b"x" * limit + b'"}'
    response = api.put("/contacts/C-1", data=huge, content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == f"The request body is larger than {limit} bytes."


def test_unknown_addresses_and_methods_answer_with_problems(api: ApiClient) -> None:
    missing = api.client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    wrong_method = api.client.delete("/api/v1/interactions")
    assert wrong_method.status_code == 405
    assert wrong_method.mimetype == "application/problem+json"


def test_api_answers_are_never_cached(api: ApiClient) -> None:
    assert api.get("/touchpoints").headers["Cache-Control"] == "no-store"
