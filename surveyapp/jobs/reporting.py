"""Reporting jobs: keep the daily rollups the dashboard reads current."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask

from surveyapp.runtime import get_runtime
from surveyapp.services._db import session_scope
from surveyapp.services.reporting import rollups

log = logging.getLogger(__name__)


def refresh_rollups(app: Flask, *, worker_id: str, mode: str, started_at: datetime) -> None:
    """Re-aggregate the days whose responses or deliveries changed since the last run."""
    runtime = get_runtime(app)
    with session_scope(runtime.session_factory) as session:
        tally = rollups.refresh_rollups(session, clock=runtime.clock)
    if tally.score_days or tally.delivery_days:
        log.info("Rollups (%s): %s", mode, tally)
