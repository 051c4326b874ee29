"""PostgreSQL restarted while two workers dispatch: they reconnect; nothing sent twice or lost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import sessionmaker

from config import TestConfig
from surveyapp.app import create_app
from surveyapp.runtime import get_runtime
from surveyapp.services import schema
from surveyapp.services._db import make_engine
from tests.factories import seed_due_invitations
from tests.reliability.private_postgres import PrivateCluster, private_cluster
from tests.reliability.workers import (
    message_ids,
    start_worker,
    states,
    stop_workers,
    wait_until,
)
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.slow

INVITATIONS = 400
WORKERS = 2


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    with private_cluster() as running:
        yield running


@pytest.fixture
def cluster_engine(cluster: PrivateCluster) -> Iterator[Engine]:
    """A migrated database on the private cluster, seeded with due invitations."""
    admin = create_engine(cluster.server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('CREATE DATABASE "surveyapp"'))
    admin.dispose()
    engine = make_engine(cluster.database_url("surveyapp"))
    schema.upgrade(engine)
    with sessionmaker(bind=engine)() as session:
        seed_due_invitations(session, INVITATIONS, now=datetime.now(UTC))
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def web(cluster: PrivateCluster, cluster_engine: Engine, tmp_path: Path) -> Iterator[FlaskClient]:
    """A web process on the same database (in-process), to ask while the server is down."""
    config = TestConfig(
        database_url=cluster.database_url("surveyapp"), instance_path=tmp_path / "web"
    )
    app = create_app(config)
    yield app.test_client()
    get_runtime(app).engine.dispose()


def test_workers_reconnect_after_a_restart_and_deliver_every_invitation_once(
    cluster: PrivateCluster,
    cluster_engine: Engine,
    smtp_sink: SmtpSink,
    web: FlaskClient,
    tmp_path: Path,
) -> None:
    smtp_sink.handler.delay = 0.01  # a server that takes its time, so the restart lands mid-run
    url = cluster.database_url("surveyapp")
    workers = [start_worker(url, smtp_sink, tmp_path / f"worker-{n}") for n in range(WORKERS)]
    try:
        assert smtp_sink.handler.wait_for(INVITATIONS // 4, timeout=120), "dispatch never started"
        cluster.stop()
        while_down = web.get("/s/any-link", headers={"Accept": "text/html"})
        cluster.start()
        delivered_at_restart = len(smtp_sink.received)
        assert delivered_at_restart < INVITATIONS, "the restart came too late to test anything"
        arrived = smtp_sink.handler.wait_for(INVITATIONS, timeout=120)
        cluster_engine.dispose()  # its pooled connections died with the server
        recorded = wait_until(lambda: states(cluster_engine) == {"sent": INVITATIONS}, 60)
    finally:
        codes = stop_workers(workers)

    # Meanwhile a respondent got "try again in a moment", not a crash page.
    assert while_down.status_code == 503
    assert int(while_down.headers["Retry-After"]) > 0
    ids = message_ids(smtp_sink)
    assert arrived, f"only {len(ids)} of {INVITATIONS} arrived after the restart"
    assert len(ids) == INVITATIONS
    assert max(ids.values()) == 1, "a message was sent twice"
    assert recorded, f"not every send was recorded: {dict(states(cluster_engine))}"
    assert codes == [0] * WORKERS
