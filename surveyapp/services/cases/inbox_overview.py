"""The case inbox page's data (service layer): who looks, one page, counts, workload, assignees."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from surveyapp.domain.roles import Role
from surveyapp.models import RootCause, Team, Touchpoint, User
from surveyapp.models.associations import team_members
from surveyapp.services.cases.inbox import (
    InboxFilters,
    InboxPage,
    InboxView,
    Viewer,
    list_cases,
)
from surveyapp.services.cases.inbox_counts import Workload, tally


@dataclass(frozen=True)
class InboxOverview:
    """Everything the inbox page shows: one page, the tab counts, workload, whom to assign."""

    page: InboxPage
    counts: dict[InboxView, int]
    workload: list[Workload]
    assignees: Sequence[User]


def viewer_for(user: User) -> Viewer:
    """The inbox viewer ``user`` is: admins and CX owners see every team's cases."""
    return Viewer(
        user_id=user.id,
        team_ids=frozenset(team.id for team in user.teams),
        sees_all=user.role in {Role.ADMIN, Role.CX_OWNER},
    )


def default_view(user: User) -> InboxView:
    """Where the inbox opens: agents on their own cases, managers on their teams', others all."""
    if user.role == Role.AGENT:
        return InboxView.MINE
    if user.role == Role.MANAGER:
        return InboxView.TEAM
    return InboxView.ALL


def filter_choices(session: Session) -> tuple[Sequence[Touchpoint], Sequence[RootCause]]:
    """The touchpoints and root causes the filter form offers."""
    touchpoints = session.scalars(select(Touchpoint).order_by(Touchpoint.name)).all()
    causes = session.scalars(select(RootCause).order_by(RootCause.name)).all()
    return touchpoints, causes


def overview(
    session: Session, filters: InboxFilters | None, *, user: User, now: datetime
) -> InboxOverview:
    """The inbox for ``user`` at ``now`` (UTC): ``filters``' page (empty for ``None``), counts.

    Workload and the people to assign to cover the viewer's teams (every team for admins and
    CX owners). Reads only.
    """
    viewer = viewer_for(user)
    page = (
        list_cases(session, filters, viewer=viewer, now=now)
        if filters is not None
        else InboxPage([], 1, has_next=False)
    )
    team_ids: Collection[int] = viewer.team_ids
    if viewer.sees_all:
        team_ids = list(session.scalars(select(Team.id)))
    counts, loads = tally(session, viewer=viewer, team_ids=team_ids, now=now)
    return InboxOverview(
        page=page, counts=counts, workload=loads, assignees=_assignees(session, viewer)
    )


def _assignees(session: Session, viewer: Viewer) -> Sequence[User]:
    # Equalities, not IN: an IN list of enum values is re-expanded on every execution.
    may_own = or_(*(User.role == role for role in (Role.ADMIN, Role.MANAGER, Role.AGENT)))
    query = select(User).where(User.is_active.is_(True), may_own)
    if not viewer.sees_all:
        members = select(team_members.c.user_id).where(team_members.c.team_id.in_(viewer.team_ids))
        query = query.where(User.id.in_(members))
    return session.scalars(query.order_by(User.name)).all()
