"""Once-per-period work: the first worker to record ``(job, period)`` does it, the rest skip."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.models import PeriodicRun


def period_of(moment: datetime, minutes: int) -> str:
    """The name of the ``minutes``-long period ``moment`` (UTC) falls in: ``2026-11-23T14:15``."""
    minute_of_day = moment.hour * 60 + moment.minute
    start = minute_of_day - minute_of_day % minutes
    return f"{moment:%Y-%m-%d}T{start // 60:02d}:{start % 60:02d}"


def claim_period(session: Session, job: str, period: str, *, worker_id: str, clock: Clock) -> bool:
    """Record that ``worker_id`` runs ``job`` for ``period``; ``False`` if another already did.

    The row is written in the caller's transaction, so work that fails rolls the claim back
    and a later tick tries again.
    """
    values = {"job": job, "period": period, "worker_id": worker_id, "started_at": clock.now()}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(PeriodicRun).values(**values).on_conflict_do_nothing()
    # RETURNING, not rowcount: an ORM-level INSERT reports no row count on PostgreSQL.
    return session.execute(statement.returning(PeriodicRun.job)).first() is not None
