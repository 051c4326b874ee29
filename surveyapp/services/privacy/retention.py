"""Retention (service layer): the periods per kind of data, a preview, and the daily run.

``apply`` is a long-running batch service (STYLE 14): it takes a session factory and commits
per batch, so SQLite's write lock is held for one batch at a time. What each kind removes is
described in ``retention_sweeps``. A run is idempotent: rows it changed are no longer due, and
two runs at once never change a row twice. ``run_daily`` is what the worker calls: the first
worker to claim the day (``periodic_runs``) runs it, the others skip; a run that fails gives
its claim back so a later tick tries again.

Every run writes one audit event, ``retention.applied``, with the counts per kind and the
cut-offs (no personal data); the settings page shows the newest as the last run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.retention import RULES, RetentionKind, cutoff, days_problem, run_period
from surveyapp.models import AuditEvent, PeriodicRun, RetentionSetting, User
from surveyapp.services import audit, jobruns
from surveyapp.services._db import session_scope
from surveyapp.services.errors import ValidationFailed
from surveyapp.services.privacy import retention_sweeps
from surveyapp.services.privacy.retention_sweeps import SWEEPS

log = logging.getLogger(__name__)

JOB = "privacy.retention"
APPLIED = "retention.applied"
SETTINGS_CHANGED = "retention.settings_changed"
BATCH_SIZE = 500
# Erasure last: it reads every kept message and audit entry, which the other kinds have just
# emptied or deleted, and it cannot take rows that the preview counted under another kind.
RUN_ORDER = (
    RetentionKind.OUTBOX_BODIES,
    RetentionKind.FREE_TEXT,
    RetentionKind.AUDIT_LOG,
    RetentionKind.INACTIVE_CONTACTS,
)


@dataclass(frozen=True)
class KindSetting:
    """A kind's period as it applies now (``None``: kept forever), and its bounds."""

    kind: RetentionKind
    days: int | None
    default_days: int | None
    min_days: int
    updated_at: datetime | None


@dataclass(frozen=True)
class KindPreview:
    """What a run now would remove of one kind: rows older than ``cutoff`` (``None``: none)."""

    kind: RetentionKind
    days: int | None
    cutoff: datetime | None
    count: int


@dataclass(frozen=True)
class RunReport:
    """A finished run: when, how it was started, and the rows changed per kind."""

    finished_at: datetime
    trigger: str
    counts: Mapping[RetentionKind, int]
    cutoffs: Mapping[RetentionKind, datetime | None]

    @property
    def total(self) -> int:
        """Rows changed over every kind."""
        return sum(self.counts.values())


def settings(session: Session) -> list[KindSetting]:
    """Every kind's period, in display order; kinds never saved have their default."""
    stored = {row.kind: row for row in session.scalars(select(RetentionSetting))}
    result = []
    for kind in RetentionKind:
        rule = RULES[kind]
        row = stored.get(kind)
        days = row.days if row is not None else rule.default_days
        updated_at = row.updated_at if row is not None else None
        result.append(KindSetting(kind, days, rule.default_days, rule.min_days, updated_at))
    return result


def periods(session: Session) -> dict[RetentionKind, int | None]:
    """The period of each kind in days (``None``: kept forever)."""
    return {entry.kind: entry.days for entry in settings(session)}


def save_settings(
    session: Session, new: Mapping[RetentionKind, int | None], *, clock: Clock, actor: User
) -> list[RetentionKind]:
    """Store the periods of ``new``; returns the kinds that changed. Audited. Flushes.

    ``ValidationFailed`` (naming each bad kind) when a period is outside its kind's bounds.
    """
    errors = {kind.value: p for kind, days in new.items() if (p := days_problem(kind, days))}
    if errors:
        raise ValidationFailed(N_("Please check the retention periods."), errors)
    old = periods(session)
    changed = [kind for kind, days in new.items() if old[kind] != days]
    for kind in changed:
        row = session.get(RetentionSetting, kind)
        if row is None:
            row = RetentionSetting(kind=kind)
            session.add(row)
        row.days = new[kind]
        row.updated_at = clock.now()
        row.updated_by_id = actor.id
    if changed:
        details = {kind.value: {"from": old[kind], "to": new[kind]} for kind in changed}
        audit.record(session, SETTINGS_CHANGED, clock=clock, actor=actor, details=details)
        log.info("Retention periods %s changed by %s", [k.value for k in changed], actor.email)
    session.flush()
    return changed


def preview(session: Session, clock: Clock) -> list[KindPreview]:
    """What a run now would remove, per kind, with the cut-off (rows older than it go)."""
    now = clock.now()
    result = []
    for kind, days in periods(session).items():
        kind_cutoff = cutoff(now, days)
        count = (
            0
            if kind_cutoff is None
            else sum(retention_sweeps.count_due(session, s, kind_cutoff) for s in SWEEPS[kind])
        )
        result.append(KindPreview(kind, days, kind_cutoff, count))
    return result


def apply(
    session_factory: sessionmaker[Session],
    *,
    clock: Clock,
    trigger: str = "manual",
    batch_size: int = BATCH_SIZE,
) -> RunReport:
    """Remove what is due of every kind, one committed batch at a time; audited once.

    The cut-offs are fixed when the run starts: rows that fall due while it runs wait for the
    next run. Inactive contacts are erased one per transaction (an erasure reads every kept
    message: SQLite's write lock must not wait on many of them).
    """
    with session_scope(session_factory) as session:
        cutoffs = {kind: cutoff(clock.now(), days) for kind, days in periods(session).items()}
    counts = dict.fromkeys(RetentionKind, 0)
    for kind in RUN_ORDER:
        kind_cutoff = cutoffs[kind]
        if kind_cutoff is None:
            continue
        for sweep in SWEEPS[kind]:
            counts[kind] += _sweep_all(session_factory, sweep, kind_cutoff, clock, batch_size)
    with session_scope(session_factory) as session:
        audit.record(
            session,
            APPLIED,
            clock=clock,
            actor_label="system",
            details={
                "trigger": trigger,
                "counts": {kind.value: count for kind, count in counts.items()},
                "cutoffs": {
                    kind.value: moment.isoformat() if moment else None
                    for kind, moment in cutoffs.items()
                },
            },
        )
    log.info("Retention run (%s): %s", trigger, {k.value: n for k, n in counts.items()})
    return RunReport(clock.now(), trigger, counts, cutoffs)


def _sweep_all(
    session_factory: sessionmaker[Session],
    sweep: retention_sweeps.Sweep,
    kind_cutoff: datetime,
    clock: Clock,
    batch_size: int,
) -> int:
    """Every due row of ``sweep``, by batches in id order; the number of rows changed."""
    changed, after = 0, 0
    while True:
        with session_scope(session_factory) as session:
            ids = retention_sweeps.next_batch(
                session, sweep, kind_cutoff, after=after, size=min(batch_size, sweep.max_batch)
            )
            if not ids:
                return changed
            changed += sweep.purge(session, ids, clock)
        after = ids[-1]


def run_daily(
    session_factory: sessionmaker[Session], *, clock: Clock, worker_id: str
) -> RunReport | None:
    """Today's run (UTC day) if no worker has claimed it yet, else ``None``."""
    period = run_period(clock.now())
    with session_scope(session_factory) as session:
        if not jobruns.claim_period(session, JOB, period, worker_id=worker_id, clock=clock):
            return None
    try:
        return apply(session_factory, clock=clock, trigger="scheduled")
    except Exception:
        with session_scope(session_factory) as session:
            session.execute(
                delete(PeriodicRun).where(PeriodicRun.job == JOB, PeriodicRun.period == period)
            )
        raise


def last_run(session: Session) -> RunReport | None:
    """The newest finished run, from its audit event; ``None`` before the first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.action == APPLIED)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(1)
    )
    event = session.scalars(query).first()
    return None if event is None else _report_of(event)


def _report_of(event: AuditEvent) -> RunReport:
    details: dict[str, Any] = event.details
    counts = details.get("counts", {})
    cutoffs = details.get("cutoffs", {})
    return RunReport(
        finished_at=event.occurred_at,
        trigger=str(details.get("trigger", "")),
        counts={kind: int(counts.get(kind.value, 0)) for kind in RetentionKind},
        cutoffs={
            kind: datetime.fromisoformat(cutoffs[kind.value]) if cutoffs.get(kind.value) else None
            for kind in RetentionKind
        },
    )
