"""Praise (service layer): a promoter's comment about a known agent reaches that agent.

An answer counts as praise when its rating is at the top of the scale (NPS 9-10, CSAT 5,
CES 6-7: ``domain.case_recovery.is_promoter``), it has a written comment, and its
interaction names an agent who is a staff member: the interaction's ``agent_external_id``,
or its ``agent_email`` attribute, equal to a user's email address (case-insensitive). Then a
kudos is recorded (once per response; no case is opened) and mailed to the agent and to the
managers of the agent's teams. Agents see their kudos on the kudos page.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.case_recovery import is_promoter
from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.roles import Role
from surveyapp.domain.scoring import QuestionType
from surveyapp.domain.survey_definition import SurveyDefinition
from surveyapp.models import Channel, Interaction, Invitation, Kudos, Response, User
from surveyapp.models.associations import team_members
from surveyapp.services._db import session_scope
from surveyapp.services.cases.notices import DEFAULT_STAFF_LOCALE
from surveyapp.services.cases.staff_mail import StaffMail, send_staff_mail
from surveyapp.services.dispatch.sending import DispatchSettings
from surveyapp.services.mail.transport import Transport

log = logging.getLogger(__name__)

_kudos: Table = Kudos.__table__  # type: ignore[assignment]
STAFF_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT)
AGENT_EMAIL_ATTRIBUTE = "agent_email"
MAX_COMMENT = 2000
SUBJECT_AGENT = N_("A customer praised your help")
SUBJECT_MANAGER = N_("A customer praised %(agent)s")

# Built once: the answer path runs them for every promoter's comment.
_INTERACTION_AND_KUDOS = (
    select(
        Interaction.agent_external_id,
        Interaction.attributes,
        Kudos.id.label("kudos_id"),
    )
    .select_from(Invitation)
    .join(Interaction, Interaction.id == Invitation.interaction_id)
    .outerjoin(Kudos, Kudos.response_id == bindparam("response_id"))
    .where(Invitation.id == bindparam("invitation_id"))
)
_STAFF_BY_EMAIL = (
    select(User)
    .where(
        func.lower(User.email).in_(bindparam("emails", expanding=True)),
        User.is_active.is_(True),
        User.role.in_(STAFF_ROLES),
    )
    .order_by(User.id)
    .limit(1)
)


@dataclass(frozen=True)
class KudosEntry:
    """A kudos as the kudos page shows it."""

    id: int
    agent_name: str
    score: int
    comment: str
    created_at: datetime


def record_for_answer(
    session: Session, response: Response, definition: SurveyDefinition, *, clock: Clock
) -> Kudos | None:
    """Record a kudos when ``response`` is praise for a known agent (see the module doc).

    Cheap for every other answer: no query unless the answer is a promoter with a comment
    from an invitation. A new kudos is added to the session (written with the answer).
    """
    primary = definition.primary_rating
    if (
        response.submitted_at is None
        or response.channel == Channel.TEST
        or response.invitation_id is None
        or primary is None
        or not is_promoter(QuestionType(primary.type), response.score)
    ):
        return None
    comment = _comment(definition, response)
    if not comment:
        return None
    row = session.execute(
        _INTERACTION_AND_KUDOS,
        {"invitation_id": response.invitation_id, "response_id": response.id},
    ).one_or_none()
    if row is None:
        return None
    agent = _agent_of(session, row.agent_external_id, row.attributes or {})
    if agent is None:
        return None
    if row.kudos_id is not None:  # a later step of the same answer: keep one kudos, updated
        existing = session.get(Kudos, row.kudos_id)
        assert existing is not None  # noqa: S101 -- just found
        existing.comment = comment
        existing.score = response.score or 0
        return existing
    kudos = Kudos(
        response_id=response.id,
        agent_id=agent.id,
        score=response.score or 0,
        comment=comment,
        created_at=clock.now(),
        notified_at=None,
    )
    # Not flushed here: the answer's transaction writes it with the rest.
    session.add(kudos)
    log.info("Kudos for user %s from response %s", agent.id, response.id)
    return kudos


def list_kudos(session: Session, *, viewer: User, limit: int = 100) -> list[KudosEntry]:
    """Kudos ``viewer`` may see, newest first: their own; managers also their teams' agents'.

    Admins and CX owners see every kudos.
    """
    query = (
        select(Kudos, User.name)
        .join(User, User.id == Kudos.agent_id)
        .order_by(Kudos.created_at.desc(), Kudos.id.desc())
        .limit(limit)
    )
    if viewer.role == Role.MANAGER:
        teams = [team.id for team in viewer.teams]
        members = select(team_members.c.user_id).where(team_members.c.team_id.in_(teams))
        query = query.where((Kudos.agent_id == viewer.id) | Kudos.agent_id.in_(members))
    elif viewer.role not in {Role.ADMIN, Role.CX_OWNER}:
        query = query.where(Kudos.agent_id == viewer.id)
    return [
        KudosEntry(kudos.id, name, kudos.score, kudos.comment, kudos.created_at)
        for kudos, name in session.execute(query)
    ]


def send_kudos_mail(
    session_factory: sessionmaker[Session],
    transport: Transport,
    *,
    settings: DispatchSettings,
    clock: Clock,
) -> int:
    """Mail every kudos not yet mailed to its agent and their teams' managers; how many sent.

    Claims the kudos (``notified_at``) in a committed transaction first, then sends: at most
    once, even with several workers (``FOR UPDATE SKIP LOCKED`` on PostgreSQL).
    """
    now = clock.now()
    with session_scope(session_factory) as session:
        claimed = _claim(session, now, settings.batch_size)
        mails = [mail for kudos_id in claimed for mail in _mails_for(session, kudos_id)]
    if not mails:
        return 0
    sent = send_staff_mail(mails, transport, settings=settings, now=clock.now())
    log.info("Kudos mail by %s: %s of %s sent", settings.worker_id, sent, len(mails))
    return sent


def _claim(session: Session, now: datetime, batch: int) -> list[int]:
    due = (
        select(_kudos.c.id)
        .where(_kudos.c.notified_at.is_(None))
        .order_by(_kudos.c.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    rows = session.execute(
        _kudos.update()
        .where(_kudos.c.id.in_(due.scalar_subquery()), _kudos.c.notified_at.is_(None))
        .values(notified_at=now)
        .returning(_kudos.c.id)
    ).all()
    return sorted(row.id for row in rows)


def _mails_for(session: Session, kudos_id: int) -> list[StaffMail]:
    kudos = session.get(Kudos, kudos_id)
    agent = session.get(User, kudos.agent_id) if kudos is not None else None
    if kudos is None or agent is None:
        return []
    context: dict[str, object] = {
        "agent": agent.name,
        "score": kudos.score,
        "paragraphs": [p.strip() for p in kudos.comment.split("\n\n") if p.strip()],
    }
    mails = []
    if agent.is_active:
        mails.append(_mail(kudos, agent, context, for_agent=True))
    for manager in _managers_of(session, agent):
        mails.append(_mail(kudos, manager, context, for_agent=False))
    return mails


def _mail(kudos: Kudos, user: User, context: dict[str, object], *, for_agent: bool) -> StaffMail:
    return StaffMail(
        key=f"kudos-{kudos.id}-{user.id}",
        template="case_kudos",
        subject=SUBJECT_AGENT if for_agent else SUBJECT_MANAGER,
        recipient=user.email,
        name=user.name,
        locale=user.locale or DEFAULT_STAFF_LOCALE,
        context={**context, "for_agent": for_agent},
        subject_vars={} if for_agent else {"agent": context["agent"]},
    )


def _managers_of(session: Session, agent: User) -> Sequence[User]:
    teams = select(team_members.c.team_id).where(team_members.c.user_id == agent.id)
    return session.scalars(
        select(User)
        .join(team_members, team_members.c.user_id == User.id)
        .where(
            team_members.c.team_id.in_(teams),
            User.role == Role.MANAGER,
            User.is_active.is_(True),
            User.id != agent.id,
        )
        .distinct()
        .order_by(User.id)
    ).all()


def _agent_of(session: Session, agent_id: str | None, attributes: dict[str, Any]) -> User | None:
    candidates = [agent_id, attributes.get(AGENT_EMAIL_ATTRIBUTE)]
    emails = [str(c).strip().lower() for c in candidates if c and "@" in str(c)]
    if not emails:
        return None
    return session.scalars(_STAFF_BY_EMAIL, {"emails": emails}).first()


def _comment(definition: SurveyDefinition, response: Response) -> str:
    texts = [
        str(response.answers.get(question.key) or "").strip()
        for question in definition.questions
        if question.type == QuestionType.TEXT
    ]
    return "\n\n".join(text for text in texts if text)[:MAX_COMMENT]
