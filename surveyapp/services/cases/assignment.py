"""Who owns a case (service layer): round-robin for new cases, assigning by hand, in bulk.

Round-robin gives a new case to the team's active agent with the fewest open cases, skipping
anyone at the team's maximum; among equals it takes the next one after the agent who got the
previous case, so work is shared evenly. With every agent at the maximum the case stays in
the team's queue, unassigned. Two cases opened at the same instant on PostgreSQL may both
count the same open cases and go to the same agent: the maximum is a guide, not a lock.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from surveyapp.domain.case_mail import CaseMailKind
from surveyapp.domain.case_states import OPEN_STATUSES, CaseEventKind, Party
from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.roles import Role
from surveyapp.models import Case, Team, TeamCaseSettings, User
from surveyapp.models.associations import team_members
from surveyapp.services.cases import access, notices
from surveyapp.services.cases.events import add_event
from surveyapp.services.cases.locking import StaleCase, checked_version
from surveyapp.services.errors import NotFound, PermissionDenied, ValidationFailed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    """A team member who may receive a case, with their open cases."""

    user_id: int
    open_cases: int


def open_counts(session: Session, team_id: int, *, roles: frozenset[Role]) -> list[Candidate]:
    """Active members of ``team_id`` with one of ``roles`` and their open cases, by user id.

    One query: the team's members left-joined to their open cases.
    """
    query = (
        select(User.id, func.count(Case.id))
        .join(team_members, team_members.c.user_id == User.id)
        .outerjoin(Case, and_(Case.owner_id == User.id, Case.status.in_(OPEN_STATUSES)))
        .where(
            team_members.c.team_id == team_id,
            User.is_active.is_(True),
            User.role.in_(roles),
        )
        .group_by(User.id)
        .order_by(User.id)
    )
    return [Candidate(user_id, count) for user_id, count in session.execute(query)]


def pick_agent(
    candidates: Sequence[Candidate], *, maximum: int | None, last_user_id: int | None
) -> int | None:
    """The candidate who gets the next case (see the module doc), or ``None``."""
    eligible = [c for c in candidates if maximum is None or c.open_cases < maximum]
    if not eligible:
        return None
    fewest = min(c.open_cases for c in eligible)
    tied = [c.user_id for c in eligible if c.open_cases == fewest]
    after = [user_id for user_id in tied if last_user_id is not None and user_id > last_user_id]
    return (after or tied)[0]


def assign_round_robin(
    session: Session, case: Case, settings: TeamCaseSettings, *, clock: Clock
) -> int | None:
    """Give the new ``case`` to the next agent of its team (see the module doc).

    Records the assignment on the timeline and queues the "assigned to you" notice. Returns
    the owner's id, or ``None`` when every agent is at the maximum. Flushes nothing itself.
    """
    if case.team_id is None:
        return None
    candidates = open_counts(session, case.team_id, roles=frozenset({Role.AGENT}))
    owner_id = pick_agent(
        candidates,
        maximum=settings.max_open_per_agent,
        last_user_id=settings.last_assigned_user_id,
    )
    if owner_id is None:
        return None
    case.owner_id = owner_id
    session.execute(
        update(TeamCaseSettings)
        .where(TeamCaseSettings.team_id == case.team_id)
        .values(last_assigned_user_id=owner_id)
    )
    add_event(
        session,
        case.id,
        CaseEventKind.ASSIGNED,
        actor=Party.SYSTEM,
        clock=clock,
        details={**_names(session, owner_id, case.team_id), "round_robin": True},
    )
    notices.queue_notice(session, case, CaseMailKind.ASSIGNED, owner_id, clock=clock)
    return owner_id


def assign_case(
    session: Session,
    case: Case,
    *,
    owner_id: int | None,
    team_id: int | None,
    expected_version: int,
    actor: User,
    clock: Clock,
) -> Case:
    """Give ``case`` to ``owner_id`` (``None``: back to the queue) in team ``team_id``.

    Agents may only take cases themselves; managers and admins assign anyone. The owner must
    work cases and belong to the team (when there is one). Due times stay as they were.
    Raises ``PermissionDenied``, ``StaleCase`` or ``ValidationFailed``. Flushes.
    """
    access.check_may_work(actor, case)
    checked_version(case, expected_version)
    owner = _owner(session, owner_id, team_id, actor)
    if owner_id == case.owner_id and team_id == case.team_id:
        return case
    before = {"owner_id": case.owner_id, "team_id": case.team_id}
    case.owner_id = owner.id if owner is not None else None
    case.team_id = team_id
    case.updated_at = clock.now()
    add_event(
        session,
        case.id,
        CaseEventKind.ASSIGNED,
        actor=actor,
        clock=clock,
        details={**_names(session, case.owner_id, team_id), "before": before},
    )
    if owner is not None and owner.id != actor.id:
        notices.queue_notice(session, case, CaseMailKind.ASSIGNED, owner.id, clock=clock)
    session.flush()
    log.info("Case %s assigned to %s by %s", case.id, case.owner_id, actor.id)
    return case


def _names(session: Session, owner_id: int | None, team_id: int | None) -> dict[str, object]:
    """Who and which team, by id and by name at the time (the timeline shows the names)."""
    owner = session.get(User, owner_id) if owner_id is not None else None
    team = session.get(Team, team_id) if team_id is not None else None
    return {
        "owner_id": owner_id,
        "owner": owner.name if owner is not None else None,
        "team_id": team_id,
        "team": team.name if team is not None else None,
    }


def _owner(session: Session, owner_id: int | None, team_id: int | None, actor: User) -> User | None:
    if owner_id is None:
        return None
    if owner_id != actor.id and not access.may_assign_others(actor):
        raise ValidationFailed.on_field("owner_id", N_("You can only take cases yourself."))
    owner = session.get(User, owner_id)
    if owner is None:
        raise NotFound(N_("This user does not exist."))
    if not owner.is_active or owner.role not in {Role.ADMIN, Role.MANAGER, Role.AGENT}:
        raise ValidationFailed.on_field("owner_id", N_("Choose someone who works cases."))
    if team_id is not None and team_id not in access.team_ids(owner) and owner.role != Role.ADMIN:
        raise ValidationFailed.on_field("owner_id", N_("Choose a member of the case's team."))
    return owner


@dataclass(frozen=True)
class BulkOutcome:
    """How many cases a bulk assignment changed, and how many it left as they were."""

    changed: int
    refused: int


def bulk_assign(
    session: Session,
    versions: Mapping[int, int],
    *,
    owner_id: int | None,
    actor: User,
    clock: Clock,
) -> BulkOutcome:
    """Give every case of ``versions`` (case id -> the version the list showed) to ``owner_id``.

    Each case keeps its team; a case that changed since the list was loaded, that ``actor``
    may not work, or whose team ``owner_id`` is not in, is left as it was and counted as
    refused. Flushes.
    """
    cases = session.scalars(select(Case).where(Case.id.in_(list(versions))).order_by(Case.id)).all()
    changed, refused = 0, len(versions) - len(cases)  # unknown ids count as refused
    for case in cases:
        try:
            before = (case.owner_id, case.version)
            assign_case(
                session,
                case,
                owner_id=owner_id,
                team_id=case.team_id,
                expected_version=versions[case.id],
                actor=actor,
                clock=clock,
            )
        except (StaleCase, PermissionDenied, ValidationFailed):
            refused += 1
        else:
            changed += (case.owner_id, case.version) != before
    return BulkOutcome(changed, refused)
