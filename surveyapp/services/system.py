"""Operational state: database reachability and scheduler heartbeats."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.models import WorkerHeartbeat

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = timedelta(seconds=30)
# A scheduler missing three beats in a row is reported as not running.
HEARTBEAT_STALE_AFTER = HEARTBEAT_INTERVAL * 3


@dataclass(frozen=True)
class SchedulerStatus:
    """What the staff area says about background work."""

    is_running: bool
    last_seen_at: datetime | None
    mode: str | None


def is_database_reachable(session: Session) -> bool:
    """Return whether a trivial query succeeds; never raises for a database failure."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.warning("Database health check failed", exc_info=True)
        session.rollback()
        return False
    return True


def record_heartbeat(
    session: Session, *, worker_id: str, mode: str, started_at: datetime, clock: Clock
) -> None:
    """Upsert this scheduler process's heartbeat row. Flushes."""
    beat = session.get(WorkerHeartbeat, worker_id)
    if beat is None:
        beat = WorkerHeartbeat(worker_id=worker_id, mode=mode, started_at=started_at)
        session.add(beat)
    beat.seen_at = clock.now()
    session.flush()


def scheduler_status(session: Session, *, clock: Clock) -> SchedulerStatus:
    """Report whether any scheduler process beat recently, and the newest beat."""
    newest = session.scalars(
        select(WorkerHeartbeat).order_by(WorkerHeartbeat.seen_at.desc()).limit(1)
    ).first()
    if newest is None:
        return SchedulerStatus(is_running=False, last_seen_at=None, mode=None)
    fresh = clock.now() - newest.seen_at <= HEARTBEAT_STALE_AFTER
    return SchedulerStatus(is_running=fresh, last_seen_at=newest.seen_at, mode=newest.mode)
