"""With several processes serving, sign-in limits are counted in Redis, shared by all."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config import TestConfig
from surveyapp.app import create_app
from surveyapp.domain.clock import FixedClock
from surveyapp.runtime import get_runtime
from tests.conftest import csrf_token
from tests.factories import DEFAULT_PASSWORD, make_user

REDIS_URL = os.environ.get("SURVEYAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as error:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"Redis at {REDIS_URL} is unreachable: {error}", pytrace=False)
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {error}")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


def _process(
    engine: Engine,
    session_factory: sessionmaker[Session],
    redis_url: str,
    tmp_path: Path,
    clock: FixedClock,
) -> Flask:
    """An app as a separate web process would build it, sharing the database and Redis."""
    config = TestConfig(
        database_url=engine.url.render_as_string(hide_password=False),
        instance_path=tmp_path / "instance",
    )
    app = create_app(replace(config, ratelimit_storage_url=redis_url), clock=clock)
    runtime = get_runtime(app)
    runtime.session_factory = session_factory
    return app


def test_failed_sign_ins_are_counted_across_processes(
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
    clock: FixedClock,
    redis_url: str,
    tmp_path: Path,
) -> None:
    user = make_user(session)
    session.commit()

    def attempt(app: Flask, password: str) -> int:
        client = app.test_client()
        token = csrf_token(client, "/login")
        data = {"email": user.email, "password": password, "csrf_token": token}
        return client.post("/login", data=data).status_code

    first = _process(engine, session_factory, redis_url, tmp_path, clock)
    assert [attempt(first, "wrong") for _ in range(5)] == [401] * 5
    assert redis.Redis.from_url(redis_url).keys("LIMITS*"), "no limiter counters in Redis"
    get_runtime(first).engine.dispose()

    second = _process(engine, session_factory, redis_url, tmp_path, clock)
    assert attempt(second, DEFAULT_PASSWORD) == 429
    get_runtime(second).engine.dispose()
