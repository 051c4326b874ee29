"""Notices to staff about cases (service layer): assigned to you, reminders, escalations.

A notice is a ``CaseMail`` row in the caller's transaction; the case mail job sends it
(``services.cases.sending``). Nothing talks to the network here.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.case_mail import CaseMailKind, CaseMailState
from surveyapp.domain.clock import Clock
from surveyapp.domain.roles import Role
from surveyapp.models import Case, CaseMail, User
from surveyapp.models.associations import team_members

DEFAULT_STAFF_LOCALE = "en"


def queue_notice(
    session: Session, case: Case, kind: CaseMailKind, user_id: int, *, clock: Clock
) -> CaseMail | None:
    """Queue a notice of ``kind`` about ``case`` to staff member ``user_id`` (if active).

    Added to the session; returns ``None`` for an unknown or deactivated user.
    """
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    return _queue(session, case, kind, user, clock)


def queue_to_managers(
    session: Session, case: Case, kind: CaseMailKind, *, clock: Clock
) -> list[CaseMail]:
    """Queue a notice to every active manager of the case's team (to the admins without one)."""
    if case.team_id is not None:
        query = (
            select(User)
            .join(team_members, team_members.c.user_id == User.id)
            .where(team_members.c.team_id == case.team_id, User.role == Role.MANAGER)
        )
    else:
        query = select(User).where(User.role == Role.ADMIN)
    managers: Iterable[User] = session.scalars(query.where(User.is_active.is_(True)))
    return [_queue(session, case, kind, user, clock) for user in managers]


def _queue(session: Session, case: Case, kind: CaseMailKind, user: User, clock: Clock) -> CaseMail:
    now = clock.now()
    mail = CaseMail(
        case_id=case.id,
        kind=kind,
        state=CaseMailState.QUEUED,
        recipient=user.email,
        recipient_name=user.name,
        locale=user.locale or DEFAULT_STAFF_LOCALE,
        body="",
        send_at=now,
        attempts=0,
        created_at=now,
    )
    session.add(mail)
    return mail
