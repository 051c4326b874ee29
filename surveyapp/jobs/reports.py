"""Report jobs: send the subscribed PDF reports that are due (once per subscription and period)."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask

from surveyapp.jobs.dispatch import settings_for
from surveyapp.runtime import get_runtime
from surveyapp.services.mail.outbox import open_transport
from surveyapp.services.reporting import report_mail

log = logging.getLogger(__name__)


def send_subscriptions(app: Flask, *, worker_id: str, mode: str, started_at: datetime) -> None:
    """Send the due subscribed reports through the configured transport (SMTP or the outbox)."""
    runtime = get_runtime(app)
    transport = open_transport(
        runtime.config.smtp_url, session_factory=runtime.session_factory, clock=runtime.clock
    )
    try:
        counts = report_mail.send_due_reports(
            runtime.session_factory,
            transport,
            settings=settings_for(runtime.config, worker_id),
            clock=runtime.clock,
        )
    finally:
        transport.close()
    if counts:
        log.info("Report subscriptions (%s): %s", mode, dict(counts))
