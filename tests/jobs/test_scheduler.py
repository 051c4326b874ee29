"""The scheduler: jobs by stable id, heartbeats, the in-process guard and the worker process."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select as sql_select
from sqlalchemy.orm import Session

from config import PROJECT_ROOT, TestConfig
from surveyapp.app import create_app
from surveyapp.domain.clock import FixedClock
from surveyapp.jobs.registry import job_specs
from surveyapp.jobs.scheduler import (
    build_scheduler,
    should_start_inprocess,
    start_inprocess,
    stop_inprocess,
)
from surveyapp.models import WorkerHeartbeat
from surveyapp.services import schema, system
from surveyapp.services._db import make_engine, make_session_factory
from tests.conftest import AuthActions


def test_jobs_have_unique_stable_ids() -> None:
    ids = [spec.id for spec in job_specs()]
    assert len(ids) == len(set(ids))
    assert "system.heartbeat" in ids


def test_scheduler_registers_every_job_once(app: Flask) -> None:
    scheduler = build_scheduler(app, mode="test", blocking=False)
    jobs = scheduler.get_jobs()
    assert sorted(job.id for job in jobs) == sorted(spec.id for spec in job_specs())
    assert all(job.max_instances == 1 and job.coalesce for job in jobs)


def test_heartbeat_job_shows_the_scheduler_running_until_it_stops(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    assert system.scheduler_status(session, clock=clock).is_running is False
    result = app.test_cli_runner().invoke(args=["jobs", "run", "system.heartbeat"])
    assert result.exit_code == 0, result.output
    status = system.scheduler_status(session, clock=clock)
    assert status.is_running
    assert status.mode == "cli"
    clock.advance(system.HEARTBEAT_STALE_AFTER + timedelta(seconds=1))
    stale = system.scheduler_status(session, clock=clock)
    assert not stale.is_running
    assert stale.last_seen_at is not None


def test_home_page_tells_whether_background_jobs_run(
    app: Flask, client: FlaskClient, auth: AuthActions, clock: FixedClock
) -> None:
    auth.login_as()
    assert "Background jobs have not run yet." in client.get("/").get_data(as_text=True)
    app.test_cli_runner().invoke(args=["jobs", "run", "system.heartbeat"])
    assert "Background jobs are running" in client.get("/").get_data(as_text=True)
    clock.advance(timedelta(minutes=5))
    assert "Background jobs have stopped" in client.get("/").get_data(as_text=True)


def test_unknown_job_id_is_a_clear_cli_error(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["jobs", "run", "no.such.job"])
    assert result.exit_code != 0
    assert "No job with id 'no.such.job'" in result.output


def test_only_the_serving_child_of_a_reloader_starts_the_scheduler() -> None:
    assert should_start_inprocess({}, reloader=False)
    assert not should_start_inprocess({}, reloader=True)
    assert should_start_inprocess({"WERKZEUG_RUN_MAIN": "true"}, reloader=True)


def test_inprocess_scheduler_starts_once_per_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'inprocess.db'}"
    schema.upgrade(make_engine(url))
    app = create_app(TestConfig(database_url=url, instance_path=tmp_path / "instance"))
    first = start_inprocess(app)
    try:
        assert first is not None
        assert first.running
        assert start_inprocess(app) is None
    finally:
        stop_inprocess()
    assert not first.running


def _read_until(stream: object, marker: str, deadline: float) -> str:
    """Read the worker's stderr line by line until ``marker`` appears (or the deadline)."""
    seen = ""
    fd = stream.fileno()  # type: ignore[attr-defined]
    while marker not in seen:
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(remaining, 0))
        assert ready, f"worker did not print {marker!r} in time; output so far:\n{seen}"
        line = stream.readline()  # type: ignore[attr-defined]
        assert line, f"worker exited before printing {marker!r}; output:\n{seen}"
        seen += line
    return seen


def test_worker_runs_jobs_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    env = {
        **os.environ,
        "SURVEYAPP_DATABASE_URL": url,
        "SURVEYAPP_INSTANCE_PATH": str(tmp_path / "instance"),
        "SURVEYAPP_LOG_LEVEL": "debug",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=PROJECT_ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        _read_until(process.stderr, "Heartbeat recorded", deadline)
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=30)
        rest = process.stderr.read() if process.stderr else ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
    assert returncode == 0, rest
    assert "Worker stopped." in rest
    with make_session_factory(engine)() as session:
        beat = session.scalars(sql_select(WorkerHeartbeat)).one()
        assert beat.mode == "worker"
    engine.dispose()
