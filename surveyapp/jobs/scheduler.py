"""Building and starting the APScheduler clock, at most once per process."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from surveyapp.jobs.registry import job_specs
from surveyapp.runtime import get_runtime

log = logging.getLogger(__name__)

_started_lock = threading.Lock()
_started: BaseScheduler | None = None


def job_context(mode: str) -> dict[str, Any]:
    """What every job is called with besides the app: who runs it, since when."""
    worker_id = f"{socket.gethostname()}:{os.getpid()}:{mode}"
    return {"worker_id": worker_id, "mode": mode, "started_at": datetime.now(UTC)}


def build_scheduler(app: Flask, *, mode: str, blocking: bool) -> BaseScheduler:
    """A scheduler with every registered job; jobs get ``app`` and the process context."""
    scheduler: BaseScheduler = BlockingScheduler() if blocking else BackgroundScheduler()
    context = job_context(mode)
    for spec in job_specs(get_runtime(app).config.dispatch_interval_seconds):
        scheduler.add_job(
            spec.func,
            trigger=spec.trigger,
            id=spec.id,
            name=spec.description,
            kwargs={"app": app, **context},
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
        )
    return scheduler


def should_start_inprocess(environ: dict[str, str] | os._Environ[str], *, reloader: bool) -> bool:
    """Under a reloader only the child process (the one serving) runs the scheduler."""
    return not reloader or environ.get("WERKZEUG_RUN_MAIN") == "true"


def start_inprocess(app: Flask) -> BaseScheduler | None:
    """Start the background scheduler in this web process unless one already runs here."""
    global _started  # noqa: PLW0603 -- one scheduler per process is the point
    with _started_lock:
        if _started is not None:
            return None
        _started = build_scheduler(app, mode="inprocess", blocking=False)
        _started.start()
    log.info("In-process scheduler started with %d jobs", len(job_specs()))
    return _started


def stop_inprocess() -> None:
    """Stop this process's in-process scheduler, waiting for running jobs to finish."""
    global _started
    with _started_lock:
        scheduler, _started = _started, None
    if scheduler is not None:
        scheduler.shutdown(wait=True)
        log.info("In-process scheduler stopped")
