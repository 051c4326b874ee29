"""Jobs about the scheduler itself."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask

from surveyapp.runtime import get_runtime
from surveyapp.services import system
from surveyapp.services._db import session_scope

log = logging.getLogger(__name__)


def heartbeat(app: Flask, *, worker_id: str, mode: str, started_at: datetime) -> None:
    """Record that this scheduler process is alive (shown on the staff home page)."""
    runtime = get_runtime(app)
    with session_scope(runtime.session_factory) as session:
        system.record_heartbeat(
            session, worker_id=worker_id, mode=mode, started_at=started_at, clock=runtime.clock
        )
    log.debug("Heartbeat recorded for %s", worker_id)
