"""Worker processes (``flask --app wsgi worker``) and what the sink and the database saw."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, func, select

from surveyapp.models import Invitation
from tests.smtp_sink import SmtpSink

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def start_worker(database_url: str, sink: SmtpSink, instance: Path) -> subprocess.Popen[str]:
    """A production-like worker process dispatching every second to ``sink``."""
    env = {
        **os.environ,
        "SURVEYAPP_DATABASE_URL": database_url,
        "SURVEYAPP_INSTANCE_PATH": str(instance),
        "SURVEYAPP_SMTP_URL": sink.url,
        "SURVEYAPP_DISPATCH_INTERVAL": "1",
        "SURVEYAPP_DISPATCH_BATCH": "25",
        "SURVEYAPP_LOG_LEVEL": "warning",
    }
    with (instance.parent / f"{instance.name}.log").open("w") as log:  # the child keeps its copy
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )


def stop_workers(processes: list[subprocess.Popen[str]]) -> list[int]:
    """SIGTERM every worker, then wait for each; the exit codes."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    return [process.wait(timeout=60) for process in processes]


def states(engine: Engine) -> Counter[str]:
    """Invitations per state."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Invitation.state, func.count()).group_by(Invitation.state)
        ).all()
    return Counter({str(state): count for state, count in rows})


def message_ids(sink: SmtpSink) -> Counter[str]:
    """How often each Message-ID (one per invitation and kind) reached the sink."""
    return Counter(str(r.message["Message-ID"]) for r in sink.received)


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    """Poll ``condition`` (real time: other processes are working) until true or timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()
