"""Escalating overdue cases (service layer): remind the owner, then tell the managers.

Step 1: a case whose first action (or, once acted on, its resolution) is overdue reminds its
owner, or its team's managers when nobody owns it. Step 2: still overdue by the team's
grace period after that due time, the team's managers are told and the escalation level
rises to 2. Each step is taken once per case: a conditional update of the escalation level
(``WHERE escalation_level = n``) lets exactly one worker win it, and the job runs once per
period across workers (``jobruns.claim_period``). Every step is written on the timeline and
its mail queued in the same transaction. Nothing ever closes or resolves a case here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from surveyapp.domain.case_mail import CaseMailKind
from surveyapp.domain.case_states import OPEN_STATUSES, CaseEventKind, Party
from surveyapp.domain.clock import Clock
from surveyapp.domain.sla import SlaTargets, add_working_time
from surveyapp.models import Case, CaseMail, TeamCaseSettings
from surveyapp.services import jobruns
from surveyapp.services.cases import notices
from surveyapp.services.cases.events import add_event
from surveyapp.services.cases.settings import TeamSettings, targets_of

log = logging.getLogger(__name__)

JOB_ID = "cases.escalate"
PERIOD_MINUTES = 5
BATCH = 500
REMINDED, ESCALATED = 1, 2
DEFAULT_GRACE_HOURS = TeamSettings().escalation_grace_hours


@dataclass(frozen=True)
class EscalationTally:
    """What one run did: whether it ran this period, reminders and escalations."""

    ran: bool
    reminded: int = 0
    escalated: int = 0


def escalate_overdue_cases(
    session: Session, *, worker_id: str, clock: Clock, limit: int = BATCH
) -> EscalationTally:
    """Take the next escalation step of every overdue open case (see the module doc).

    Runs at most once per ``PERIOD_MINUTES`` period across workers; a second call in the same
    period returns ``ran=False``. At most ``limit`` cases per step and run; the rest follow in
    the next period. Flushes; the caller commits (the period claim rolls back with it).
    """
    now = clock.now()
    period = jobruns.period_of(now, PERIOD_MINUTES)
    if not jobruns.claim_period(session, JOB_ID, period, worker_id=worker_id, clock=clock):
        return EscalationTally(ran=False)
    targets: dict[int | None, SlaTargets] = {}
    reminded: set[int] = set()
    escalated = 0
    for case, _grace in _overdue(session, now, REMINDED - 1, limit):
        if _step(session, case, REMINDED, now):
            _remind(session, case, clock)
            reminded.add(case.id)
    for case, grace in _overdue(session, now, ESCALATED - 1, limit):
        if case.id in reminded:
            continue  # one step per case and run: the owner gets a chance first
        hours = _targets(session, targets, case.team_id).working_hours
        if add_working_time(_missed_due(case), grace, hours) > now:
            continue
        if _step(session, case, ESCALATED, now):
            _escalate(session, case, clock)
            escalated += 1
    session.flush()
    if reminded or escalated:
        log.info("Escalation by %s: %s reminded, %s escalated", worker_id, len(reminded), escalated)
    return EscalationTally(ran=True, reminded=len(reminded), escalated=escalated)


def _overdue(
    session: Session, now: datetime, level: int, limit: int
) -> list[tuple[Case, timedelta]]:
    """Open cases at ``level`` whose first action or resolution is past due, oldest first."""
    query = (
        select(Case, TeamCaseSettings.escalation_grace_hours)
        .outerjoin(TeamCaseSettings, TeamCaseSettings.team_id == Case.team_id)
        .where(
            Case.status.in_(OPEN_STATUSES),
            Case.escalation_level == level,
            or_(
                and_(Case.first_action_at.is_(None), Case.first_action_due_at <= now),
                Case.resolution_due_at <= now,
            ),
        )
        .order_by(Case.first_action_due_at, Case.id)
        .limit(limit)
    )
    return [
        (case, timedelta(hours=DEFAULT_GRACE_HOURS if grace is None else grace))
        for case, grace in session.execute(query)
    ]


def _missed_due(case: Case) -> datetime:
    """The due time the case missed: the first action's until it happened, else resolution's."""
    return case.first_action_due_at if case.first_action_at is None else case.resolution_due_at


def _step(session: Session, case: Case, level: int, now: datetime) -> bool:
    """Raise the case's escalation level to ``level``; ``False`` if another worker did."""
    won = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.escalation_level == level - 1)
        .values(escalation_level=level, version=Case.version + 1, updated_at=now)
        .returning(Case.id)
        .execution_options(synchronize_session=False)
    ).first()
    if won is None:
        return False
    session.expire(case, ["escalation_level", "version", "updated_at"])
    return True


def _remind(session: Session, case: Case, clock: Clock) -> None:
    owner_mail = None
    if case.owner_id is not None:
        owner_mail = notices.queue_notice(
            session, case, CaseMailKind.REMINDER, case.owner_id, clock=clock
        )
    mails = (
        [owner_mail]
        if owner_mail is not None
        else notices.queue_to_managers(session, case, CaseMailKind.REMINDER, clock=clock)
    )
    add_event(
        session,
        case.id,
        CaseEventKind.REMINDED,
        actor=Party.SYSTEM,
        clock=clock,
        details=_missed_details(case, mails, REMINDED),
    )


def _escalate(session: Session, case: Case, clock: Clock) -> None:
    mails = notices.queue_to_managers(session, case, CaseMailKind.ESCALATION, clock=clock)
    add_event(
        session,
        case.id,
        CaseEventKind.ESCALATED,
        actor=Party.SYSTEM,
        clock=clock,
        details=_missed_details(case, mails, ESCALATED),
    )


def _missed_kind(case: Case) -> str:
    return "first_action" if case.first_action_at is None else "resolution"


def _targets(
    session: Session, cache: dict[int | None, SlaTargets], team_id: int | None
) -> SlaTargets:
    if team_id not in cache:
        settings = session.get(TeamCaseSettings, team_id) if team_id is not None else None
        cache[team_id] = targets_of(settings)
    return cache[team_id]


def _missed_details(case: Case, mails: Sequence[CaseMail], level: int) -> dict[str, Any]:
    """What a reminder or escalation event records: the missed due time and who was told."""
    return {
        "missed": _missed_kind(case),
        "due_at": _missed_due(case).isoformat(),
        "told": [mail.recipient for mail in mails],
        "level": level,
    }
