"""The daily digest (service layer): one mail per staff member per local day, if not empty.

Each person who works cases (admins, managers, agents) gets, once their local day reaches
``DIGEST_HOUR``, one mail listing their open cases with the overdue ones marked and the cases
assigned to them in the last 24 hours; managers also see how many open cases wait unassigned
in their teams' queues and how much goodwill waits for their approval. Nothing to report: no
mail. The local day is in the time zone of the person's first team's SLA settings (UTC without
one). People turn the digest off on their notification settings.

Exactly once per person and local day, even with several workers: the first worker records
``(cases.digest, <date>/<user>)`` in ``periodic_runs`` and commits it before it sends (at most
once, as all mail; a failed send is not retried that day).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.case_recovery import GoodwillStatus
from surveyapp.domain.case_states import OPEN_STATUSES, CaseEventKind
from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.roles import Role
from surveyapp.models import (
    Case,
    CaseEvent,
    Goodwill,
    NotificationSettings,
    PeriodicRun,
    Response,
    Survey,
    SurveyVersion,
    TeamCaseSettings,
    Touchpoint,
    User,
)
from surveyapp.models.associations import team_members
from surveyapp.services._db import session_scope
from surveyapp.services.cases.notices import DEFAULT_STAFF_LOCALE
from surveyapp.services.cases.staff_mail import StaffMail, send_staff_mail
from surveyapp.services.dispatch.sending import DispatchSettings
from surveyapp.services.jobruns import claim_period
from surveyapp.services.mail.transport import Transport

log = logging.getLogger(__name__)

JOB = "cases.digest"
DIGEST_HOUR = 7  # local time from which the day's digest goes out
MAX_LISTED = 20
SUBJECT = N_("Your cases today: %(open)s open, %(overdue)s overdue")
WORKER_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT)


@dataclass(frozen=True)
class DigestCase:
    """One case in a digest."""

    id: int
    topic: str
    due_at: datetime
    is_overdue: bool
    is_new: bool


@dataclass(frozen=True)
class Digest:
    """What one person's digest says."""

    cases: tuple[DigestCase, ...]
    open_count: int
    overdue_count: int
    new_count: int
    queue_count: int  # managers: open cases of their teams nobody owns
    approval_count: int  # managers: goodwill of their teams waiting for approval

    @property
    def is_empty(self) -> bool:
        """Whether there is nothing to report."""
        return self.open_count == 0 and self.queue_count == 0 and self.approval_count == 0


def send_daily_digests(
    session_factory: sessionmaker[Session],
    transport: Transport,
    *,
    settings: DispatchSettings,
    clock: Clock,
) -> int:
    """Send the digests that are due now (see the module doc); how many were sent.

    Commits the claims (with the decision to skip an empty digest) before sending.
    """
    now = clock.now()
    with session_scope(session_factory) as session:
        mails = [
            mail
            for user, day in _due_people(session, now)
            if (mail := _claim_and_build(session, user, day, settings, clock)) is not None
        ]
    if not mails:
        return 0
    sent = send_staff_mail(mails, transport, settings=settings, now=clock.now())
    log.info("Daily digests by %s: %s of %s sent", settings.worker_id, sent, len(mails))
    return sent


def is_digest_on(session: Session, user_id: int) -> bool:
    """Whether ``user_id`` receives the daily digest (on unless they turned it off)."""
    row = session.get(NotificationSettings, user_id)
    return row is None or row.daily_digest


def set_digest(session: Session, user: User, *, enabled: bool, clock: Clock) -> None:
    """Turn ``user``'s own daily digest on or off. Flushes."""
    row = session.get(NotificationSettings, user.id)
    if row is None:
        row = NotificationSettings(user_id=user.id)
        session.add(row)
    row.daily_digest = enabled
    row.updated_at = clock.now()
    session.flush()
    log.info("Daily digest of user %s turned %s", user.id, "on" if enabled else "off")


def build_digest(session: Session, user: User, now: datetime) -> Digest:
    """``user``'s digest as of ``now`` (plain data; reads only)."""
    topic = func.coalesce(Touchpoint.name, Survey.name)
    rows = session.execute(
        select(Case, topic)
        .join(Response, Response.id == Case.response_id)
        .join(SurveyVersion, SurveyVersion.id == Response.survey_version_id)
        .join(Survey, Survey.id == SurveyVersion.survey_id)
        .outerjoin(Touchpoint, Touchpoint.id == Case.touchpoint_id)
        .where(Case.owner_id == user.id, Case.status.in_(OPEN_STATUSES))
        .order_by(Case.id)
    ).all()
    new_ids = _assigned_since(session, user.id, [case.id for case, _ in rows], now)
    cases = sorted(
        (_digest_case(case, name, now, case.id in new_ids) for case, name in rows),
        key=lambda c: (not c.is_overdue, c.due_at, c.id),
    )
    return Digest(
        cases=tuple(cases[:MAX_LISTED]),
        open_count=len(cases),
        overdue_count=sum(c.is_overdue for c in cases),
        new_count=len(new_ids),
        queue_count=_queue_count(session, user),
        approval_count=_approval_count(session, user),
    )


def _due_people(session: Session, now: datetime) -> list[tuple[User, date]]:
    """Staff whose local day has reached the digest hour and who have not been handled today."""
    people = session.scalars(
        select(User)
        .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
        .where(
            User.is_active.is_(True),
            User.role.in_(WORKER_ROLES),
            or_(NotificationSettings.user_id.is_(None), NotificationSettings.daily_digest),
        )
        .order_by(User.id)
    ).all()
    zones = _zones(session, [user.id for user in people])
    due: list[tuple[User, date]] = []
    for user in people:
        local = now.astimezone(ZoneInfo(zones.get(user.id, "UTC")))
        if local.hour >= DIGEST_HOUR:
            due.append((user, local.date()))
    done = set(
        session.scalars(
            select(PeriodicRun.period).where(
                PeriodicRun.job == JOB,
                PeriodicRun.period.in_([_period(day, user.id) for user, day in due]),
            )
        )
    )
    return [(user, day) for user, day in due if _period(day, user.id) not in done]


def _claim_and_build(
    session: Session, user: User, day: date, settings: DispatchSettings, clock: Clock
) -> StaffMail | None:
    if not claim_period(
        session, JOB, _period(day, user.id), worker_id=settings.worker_id, clock=clock
    ):
        return None
    digest = build_digest(session, user, clock.now())
    if digest.is_empty:
        return None
    return StaffMail(
        key=f"digest-{day.isoformat()}-{user.id}",
        template="case_digest",
        subject=SUBJECT,
        recipient=user.email,
        name=user.name,
        locale=user.locale or DEFAULT_STAFF_LOCALE,
        context={
            "cases": [
                {"id": c.id, "topic": c.topic, "is_overdue": c.is_overdue, "is_new": c.is_new}
                for c in digest.cases
            ],
            "open_count": digest.open_count,
            "overdue_count": digest.overdue_count,
            "new_count": digest.new_count,
            "queue_count": digest.queue_count,
            "approval_count": digest.approval_count,
            "more": digest.open_count - len(digest.cases),
        },
        subject_vars={"open": digest.open_count, "overdue": digest.overdue_count},
    )


def _period(day: date, user_id: int) -> str:
    return f"{day.isoformat()}/{user_id}"


def _zones(session: Session, user_ids: Sequence[int]) -> dict[int, str]:
    """Each user's time zone: their first team's (lowest id) SLA time zone."""
    rows = session.execute(
        select(team_members.c.user_id, TeamCaseSettings.timezone)
        .join(TeamCaseSettings, TeamCaseSettings.team_id == team_members.c.team_id)
        .where(team_members.c.user_id.in_(user_ids))
        .order_by(team_members.c.user_id, team_members.c.team_id.desc())
    ).all()
    # The last row per user wins: the lowest team id.
    return {row[0]: row[1] for row in rows}


def _digest_case(case: Case, topic: str, now: datetime, is_new: bool) -> DigestCase:
    due = case.first_action_due_at if case.first_action_at is None else case.resolution_due_at
    return DigestCase(case.id, topic, due, due < now, is_new)


def _assigned_since(
    session: Session, user_id: int, case_ids: Sequence[int], now: datetime
) -> set[int]:
    """Which of ``case_ids`` were assigned to ``user_id`` in the last 24 hours."""
    if not case_ids:
        return set()
    events = session.execute(
        select(CaseEvent.case_id, CaseEvent.details).where(
            CaseEvent.case_id.in_(case_ids),
            CaseEvent.kind == CaseEventKind.ASSIGNED,
            CaseEvent.occurred_at >= now - timedelta(hours=24),
        )
    )
    return {case_id for case_id, details in events if (details or {}).get("owner_id") == user_id}


def _queue_count(session: Session, user: User) -> int:
    if user.role != Role.MANAGER:
        return 0
    teams = select(team_members.c.team_id).where(team_members.c.user_id == user.id)
    count = session.scalar(
        select(func.count(Case.id)).where(
            and_(
                Case.team_id.in_(teams),
                Case.owner_id.is_(None),
                Case.status.in_(OPEN_STATUSES),
            )
        )
    )
    return int(count or 0)


def _approval_count(session: Session, user: User) -> int:
    if user.role != Role.MANAGER:
        return 0
    teams = select(team_members.c.team_id).where(team_members.c.user_id == user.id)
    count = session.scalar(
        select(func.count(Goodwill.id)).where(
            Goodwill.team_id.in_(teams), Goodwill.status == GoodwillStatus.PENDING
        )
    )
    return int(count or 0)
