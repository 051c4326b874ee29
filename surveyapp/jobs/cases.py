"""Case jobs: escalation, case mail, re-surveys, kudos mail and the daily digest."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask

from surveyapp.jobs.dispatch import with_transport
from surveyapp.runtime import get_runtime
from surveyapp.services._db import session_scope
from surveyapp.services.cases import digest, escalation, kudos, resurvey, sending

log = logging.getLogger(__name__)


def escalate(app: Flask, *, worker_id: str, mode: str, started_at: datetime) -> None:
    """Remind owners of overdue cases and tell managers (once per period across workers)."""
    runtime = get_runtime(app)
    with session_scope(runtime.session_factory) as session:
        tally = escalation.escalate_overdue_cases(session, worker_id=worker_id, clock=runtime.clock)
    if tally.reminded or tally.escalated:
        log.info("Escalation (%s): %s", mode, tally)


def send_mail(app: Flask, *, worker_id: str, mode: str, started_at: datetime) -> None:
    """Send due case mail through the configured transport (SMTP or the built-in outbox)."""
    counts = with_transport(app, worker_id, sending.send_due_case_mail)
    if counts:
        log.info("Case mail (%s): %s", mode, dict(counts))


def plan_resurveys(app: Flask, *, worker_id: str, mode: str, started_at: datetime) -> None:
    """Plan the re-surveys of resolved cases that are due (once per period across workers)."""
    runtime = get_runtime(app)
    with session_scope(runtime.session_factory) as session:
        tally = resurvey.plan_due_resurveys(session, worker_id=worker_id, clock=runtime.clock)
    if tally.queued or tally.suppressed or tally.without_invitation:
        log.info("Re-surveys (%s): %s", mode, tally)


def send_kudos(app: Flask, *, worker_id: str, mode: str, started_at: datetime) -> None:
    """Mail new kudos to their agents and the agents' managers."""
    with_transport(app, worker_id, kudos.send_kudos_mail)


def send_digests(app: Flask, *, worker_id: str, mode: str, started_at: datetime) -> None:
    """Send each person's daily digest once their local day reached the digest hour."""
    with_transport(app, worker_id, digest.send_daily_digests)
