"""Load on loopback (reduced counts; ``bench/load.py`` runs 10,000 + 10,000): nothing is lost.

gunicorn serves the product on a fresh PostgreSQL database; wrk answers every personal link
once and posts one new interaction per request; then every success answer must be stored
exactly once and every planned invitation sent exactly once or suppressed with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine

from config import TestConfig
from surveyapp.app import create_app
from surveyapp.runtime import get_runtime
from surveyapp.services import schema
from surveyapp.services._db import make_engine
from tests.databases import fresh_database
from tests.reliability import load_run
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.slow

ANSWERS = 1000
INTERACTIONS = 1000


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    with fresh_database("postgresql", tmp_path) as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        yield url, engine
        engine.dispose()


@pytest.fixture
def dispatcher(
    database: tuple[str, Engine], smtp_sink: SmtpSink, tmp_path: Path
) -> Iterator[Flask]:
    """The app as the worker runs it, sending to the test's SMTP server."""
    config = TestConfig(
        database_url=database[0], smtp_url=smtp_sink.url, instance_path=tmp_path / "worker"
    )
    app = create_app(config)
    yield app
    get_runtime(app).engine.dispose()


def test_every_accepted_request_is_stored_once_and_every_invitation_is_accounted_for(
    database: tuple[str, Engine], dispatcher: Flask, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    url, engine = database
    workspace = load_run.prepare(engine, ANSWERS)

    answered, posted = load_run.drive(url, workspace, tmp_path, interactions=INTERACTIONS)
    print(load_run.describe("answers", answered))
    print(load_run.describe("interactions", posted))

    audit = load_run.audit(engine, answered, posted)
    assert audit.problems == []
    assert answered.figures.errors == 0
    assert posted.figures.errors == 0
    assert audit.answers_accepted == ANSWERS  # a sustainable rate: nothing refused
    assert audit.answers_stored == audit.answers_accepted
    assert audit.interactions_accepted == INTERACTIONS
    assert audit.interactions_stored == audit.interactions_accepted

    delivery = load_run.dispatch_everything(dispatcher, smtp_sink, after=timedelta(hours=2))
    print(f"dispatch: {dict(delivery.states)}, {delivery.messages} messages")
    assert set(delivery.states) <= {"sent", "suppressed"}
    assert sum(delivery.states.values()) == INTERACTIONS
    assert delivery.unexplained_suppressions == 0
    assert delivery.duplicates == 0
    assert delivery.messages == delivery.states["sent"]
