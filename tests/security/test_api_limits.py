# ruff: noqa: F811 -- fixtures imported from tests/api/conftest.py are named as parameters
"""Request limits of the API and the public endpoints, on every route they apply to.

Completes ``tests/api/test_bodies.py`` and ``test_rate_limit.py`` (one route each): every
route of /api/v1 that takes a body answers 413 to an oversized one and 415 to any body that is
not JSON; every API operation answers 429 with ``Retry-After`` once its key's budget is gone;
and floods of the API, the survey form, the website widget and the sign-in form are counted
in Redis, so a second web process refuses them too, with ``Retry-After`` in whole seconds.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from config import TestConfig
from surveyapp.app import create_app
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.embed import sign_contact
from surveyapp.domain.roles import Role
from surveyapp.models import ApiKey
from surveyapp.runtime import get_runtime
from surveyapp.services import invitations
from surveyapp.web.api.v1.openapi import OPERATIONS, SERVER, Operation
from tests.api.conftest import (  # noqa: F401 -- fixtures of the API tests
    ApiClient,
    DocumentChecker,
    Keys,
    api,
    checker,
    keys,
)
from tests.conftest import csrf_token
from tests.factories import (
    make_published_survey,
    make_user,
    make_web_rule,
    make_web_site,
)

REDIS_URL = os.environ.get("SURVEYAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BODY_METHODS = {"POST", "PUT", "PATCH"}
WITH_BODY = [op for op in OPERATIONS if op.request is not None]
NOT_JSON = {
    "text/plain": {"data": b'{"email": "a@example.com"}', "content_type": "text/plain"},
    "form": {"data": {"email": "a@example.com"}},
    "multipart": {"data": {"email": "a@example.com"}, "content_type": "multipart/form-data"},
    "missing": {"data": b'{"email": "a@example.com"}'},
}
_PATH_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")


def _path(op: Operation) -> str:
    """The operation's path with its documented example in every argument."""
    return _PATH_ARGUMENT.sub(lambda match: op.path_parameters[match[1]].example, op.rule)


def _retry_after(response: TestResponse) -> int:
    """``Retry-After`` as delta-seconds (RFC 9110), which must be a whole, positive number."""
    value = response.headers["Retry-After"]
    assert value.isdigit(), f"Retry-After is {value!r}, not whole seconds"
    assert 0 < int(value) <= 60
    return int(value)


# --- bodies -------------------------------------------------------------------------------


def test_every_api_route_taking_a_body_is_documented_with_one(app: Flask) -> None:
    routed = {
        (rule.rule.removeprefix(SERVER), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(SERVER + "/")
        for method in (rule.methods or set()) & BODY_METHODS
    }
    assert routed == {(op.rule, op.method.upper()) for op in WITH_BODY}
    assert len(routed) >= 5


@pytest.mark.parametrize("op", WITH_BODY, ids=lambda op: f"{op.method.upper()} {op.rule}")
def test_an_oversized_body_is_413_on_every_route(app: Flask, api: ApiClient, op: Operation) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    huge = b'{"padding": "' + b"x" * limit + b'"}'
    response = api.open(op.method.upper(), _path(op), data=huge, content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == f"The request body is larger than {limit} bytes."


@pytest.mark.parametrize("op", WITH_BODY, ids=lambda op: f"{op.method.upper()} {op.rule}")
@pytest.mark.parametrize("kind", NOT_JSON)
def test_a_body_that_is_not_json_is_415_on_every_route(
    api: ApiClient, op: Operation, kind: str
) -> None:
    response = api.open(op.method.upper(), _path(op), **NOT_JSON[kind])
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    assert "Content-Type: application/json" in response.get_json()["detail"]


# --- rate limits in one process -----------------------------------------------------------


def test_every_api_operation_answers_429_with_retry_after_once_the_budget_is_gone(
    app: Flask, client: FlaskClient, checker: DocumentChecker, keys: Keys
) -> None:
    runtime = get_runtime(app)
    runtime.config = replace(runtime.config, api_rate_limit=f"{len(OPERATIONS)} per minute")
    api = ApiClient(client, checker, keys.create(name="Flood"))
    first = [api.open(op.method.upper(), _path(op), json={}) for op in OPERATIONS]
    assert all(response.status_code != 429 for response in first)
    for op in OPERATIONS:
        refused = api.open(op.method.upper(), _path(op), json={})
        assert refused.status_code == 429, op.rule
        assert refused.mimetype == "application/problem+json"
        _retry_after(refused)


# --- rate limits across processes (Redis) --------------------------------------------------


@pytest.fixture
def shared_redis() -> Iterator[str]:
    """Redis at SURVEYAPP_TEST_REDIS_URL; only this test's counters are touched, never flushed."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as error:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"Redis at {REDIS_URL} is unreachable: {error}", pytrace=False)
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {error}")
    yield REDIS_URL
    client.close()


class Processes:
    """Builds apps as separate web processes would: same database, same Redis, own memory."""

    def __init__(
        self,
        engine: Engine,
        session_factory: sessionmaker[Session],
        redis_url: str,
        tmp_path: Path,
        clock: FixedClock,
    ) -> None:
        self.config = replace(
            TestConfig(
                database_url=engine.url.render_as_string(hide_password=False),
                instance_path=tmp_path / "instance",
            ),
            ratelimit_storage_url=redis_url,
        )
        self.session_factory = session_factory
        self.clock = clock
        self.apps: list[Flask] = []
        # A fresh address per test: its counters cannot collide with other tests' or runs'.
        self.address = f"198.51.100.{secrets.randbelow(254) + 1}"
        self.redis = redis.Redis.from_url(redis_url)

    def start(self, **settings: Any) -> FlaskClient:
        app = create_app(replace(self.config, **settings), clock=self.clock)
        get_runtime(app).session_factory = self.session_factory
        self.apps.append(app)
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = self.address
        return client

    def forget(self, marker: str) -> None:
        """Delete earlier runs' limiter counters that contain ``marker`` (an address, a key)."""
        for key in self.redis.scan_iter(f"LIMITS*{marker}*"):
            self.redis.delete(key)

    def close(self) -> None:
        for app in self.apps:
            get_runtime(app).engine.dispose()
        self.redis.close()


@pytest.fixture
def processes(
    engine: Engine,
    session_factory: sessionmaker[Session],
    shared_redis: str,
    tmp_path: Path,
    clock: FixedClock,
) -> Iterator[Processes]:
    made = Processes(engine, session_factory, shared_redis, tmp_path, clock)
    made.forget(f"/{made.address}/")
    yield made
    made.forget(f"/{made.address}/")
    made.close()


def test_an_api_flood_is_refused_by_the_other_process_too(
    processes: Processes, keys: Keys, checker: DocumentChecker
) -> None:
    secret = keys.create(name="Flood")
    key_id = keys.session.scalars(select(ApiKey.id).where(ApiKey.name == "Flood")).one()
    processes.forget(f"api-key-{key_id}/")  # SQLite may reuse an id of an earlier run
    first = ApiClient(processes.start(api_rate_limit="3 per minute"), checker, secret)
    assert [first.get("/touchpoints").status_code for _ in range(3)] == [200] * 3
    second = ApiClient(processes.start(api_rate_limit="3 per minute"), checker, secret)
    refused = second.get("/touchpoints")
    assert refused.status_code == 429
    _retry_after(refused)
    assert processes.redis.keys("LIMITS*api-key-*"), "the API counters are not in Redis"


def test_a_survey_form_flood_is_refused_by_the_other_process_too(
    processes: Processes, session: Session, clock: FixedClock
) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    survey, _ = make_published_survey(session, actor=owner)
    token = invitations.create_test_invitation(
        session, survey.id, locale="en", clock=clock, actor=owner
    ).token
    session.commit()
    path = f"/s/{token}"
    first = processes.start()
    form = {"csrf_token": csrf_token(first, path), "version": "1", "steps": "first"}
    statuses = [first.post(path, data={**form, "score": "11"}).status_code for _ in range(30)]
    assert 429 not in statuses, statuses
    second = processes.start()
    # The form's token is checked before the limit, so the other process's page is opened too.
    refused = second.post(path, data={**form, "csrf_token": csrf_token(second, path), "score": "7"})
    assert refused.status_code == 429
    _retry_after(refused)


def test_a_widget_flood_is_refused_by_the_other_process_too(
    processes: Processes, session: Session, clock: FixedClock
) -> None:
    make_web_rule(session, clock)
    origin = "https://shop.example"
    site, secret = make_web_site(session, origins=(origin,))
    session.commit()
    body = {
        "event": "checkout.completed",
        "contact_id": "C-1",
        "signature": sign_contact(secret, "C-1"),
    }
    path = f"/embed/v1/sites/{site.site_key}/eligibility"
    first = processes.start(embed_ip_rate_limit="2 per minute")
    for _ in range(2):
        assert first.post(path, json=body, headers={"Origin": origin}).status_code == 200
    second = processes.start(embed_ip_rate_limit="2 per minute")
    refused = second.post(path, json=body, headers={"Origin": origin})
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    _retry_after(refused)


def test_a_sign_in_flood_is_refused_by_the_other_process_too(
    processes: Processes, session: Session
) -> None:
    user = make_user(session)
    session.commit()

    def sign_in(client: FlaskClient) -> TestResponse:
        token = csrf_token(client, "/login")
        data = {"email": user.email, "password": "wrong", "csrf_token": token}
        return client.post("/login", data=data)

    first = processes.start()
    statuses = []
    while 429 not in statuses and len(statuses) < 20:
        statuses.append(sign_in(first).status_code)
    assert statuses[-1] == 429, statuses
    refused = sign_in(processes.start())
    assert refused.status_code == 429
    _retry_after(refused)
