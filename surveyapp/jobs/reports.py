"""Report jobs: send the subscribed PDF reports that are due (once per subscription and period)."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask

from surveyapp.jobs.dispatch import with_transport
from surveyapp.services.reporting import report_mail

log = logging.getLogger(__name__)


def send_subscriptions(app: Flask, *, worker_id: str, mode: str, started_at: datetime) -> None:
    """Send the due subscribed reports through the configured transport (SMTP or the outbox)."""
    counts = with_transport(app, worker_id, report_mail.send_due_reports)
    if counts:
        log.info("Report subscriptions (%s): %s", mode, dict(counts))
