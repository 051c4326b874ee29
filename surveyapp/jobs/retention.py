"""Retention job: remove what has outlived its retention period, once per UTC day."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask

from surveyapp.runtime import get_runtime
from surveyapp.services.privacy import retention

log = logging.getLogger(__name__)


def apply_retention(app: Flask, *, worker_id: str, mode: str, started_at: datetime) -> None:
    """Run today's retention unless another worker already has (the first tick of a day wins)."""
    runtime = get_runtime(app)
    report = retention.run_daily(runtime.session_factory, clock=runtime.clock, worker_id=worker_id)
    if report is not None:
        log.info("Retention (%s): %d rows removed or cleared", mode, report.total)
