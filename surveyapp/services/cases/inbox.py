"""The case inbox (service layer): views, filters, sorting, counts and workload.

Views: ``mine`` (owned by me), ``team`` (my teams' cases), ``unassigned`` (no owner, in my
teams or routed to no team), ``overdue`` (past a due time, in my teams or mine; everything
for admins) and ``all``. By default a view lists open cases only. Pages are numbered;
a page is one query for the cases and one each for their owners, teams, contacts and
touchpoints.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from surveyapp.domain.case_rules import CasePriority, ScoreBand
from surveyapp.domain.case_states import OPEN_STATUSES, CaseStatus
from surveyapp.domain.roles import Role
from surveyapp.models import Case, RootCause, Team, Touchpoint, User
from surveyapp.models.associations import team_members
from surveyapp.models.cases import case_root_causes

PAGE_SIZE = 50
ANY_STATUS = "any"
OPEN = "open"


class InboxView(StrEnum):
    """Which cases a list starts from."""

    MINE = "mine"
    TEAM = "team"
    UNASSIGNED = "unassigned"
    OVERDUE = "overdue"
    ALL = "all"


class InboxSort(StrEnum):
    """The order of a list."""

    URGENCY = "urgency"  # priority, then the next due time
    DUE = "due"
    NEWEST = "newest"
    OLDEST = "oldest"
    UPDATED = "updated"


class CaseAge(StrEnum):
    """How long ago a case was opened."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    OLDER = "older"


_AGE_LIMITS = {
    CaseAge.DAY: timedelta(days=1),
    CaseAge.WEEK: timedelta(days=7),
    CaseAge.MONTH: timedelta(days=30),
}


@dataclass(frozen=True)
class Viewer:
    """Who looks at the inbox: their id, teams and whether they see every team (admins)."""

    user_id: int
    team_ids: frozenset[int]
    sees_all: bool = False


@dataclass(frozen=True)
class InboxFilters:
    """What a list narrows to; ``status`` is ``open``, ``any`` or one ``CaseStatus`` value."""

    view: InboxView = InboxView.MINE
    status: str = OPEN
    priority: CasePriority | None = None
    touchpoint_id: int | None = None
    root_cause_id: int | None = None
    band: ScoreBand | None = None
    age: CaseAge | None = None
    sort: InboxSort = InboxSort.URGENCY
    page: int = 1


@dataclass(frozen=True)
class InboxPage:
    """One page of cases and whether another follows."""

    cases: Sequence[Case]
    page: int
    has_next: bool


@dataclass(frozen=True)
class Workload:
    """A team member's open cases."""

    user_id: int
    name: str
    open_cases: int


def next_due(now: datetime, case_row: Case) -> tuple[datetime, bool]:
    """The case's next due time (first action until done, else resolution) and if it is past."""
    due = (
        case_row.first_action_due_at
        if case_row.first_action_at is None
        else case_row.resolution_due_at
    )
    return due, case_row.status in OPEN_STATUSES and due < now


def list_cases(
    session: Session, filters: InboxFilters, *, viewer: Viewer, now: datetime
) -> InboxPage:
    """One page of the cases ``filters`` select for ``viewer``, sorted as asked."""
    page = max(filters.page, 1)
    query = (
        _filtered(filters, viewer, now)
        # Separate look-ups by primary key: joining them in makes the sort of the page's
        # candidates run over the wider joined rows.
        .options(
            selectinload(Case.owner),
            selectinload(Case.team),
            selectinload(Case.contact),
            selectinload(Case.touchpoint),
        )
        .order_by(*_order(filters.sort))
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    rows = session.scalars(query).all()
    return InboxPage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


def count_views(session: Session, *, viewer: Viewer, now: datetime) -> dict[InboxView, int]:
    """Open cases per view (the inbox's tabs), in one query."""
    columns = [
        func.coalesce(func.sum(case((_view_condition(view, viewer, now), 1), else_=0)), 0)
        for view in InboxView
    ]
    query = select(*columns).where(Case.status.in_(OPEN_STATUSES))
    if not viewer.sees_all:
        query = query.where(_visible(viewer))
    counts = session.execute(query).one()
    return {view: int(count) for view, count in zip(InboxView, counts, strict=True)}


def count_mine(session: Session, user_id: int) -> int:
    """Open cases owned by ``user_id``: the badge in the navigation (one indexed count)."""
    query = select(func.count()).where(Case.owner_id == user_id, Case.status.in_(OPEN_STATUSES))
    return int(session.scalar(query) or 0)


def workload(session: Session, team_ids: Collection[int]) -> list[Workload]:
    """Open cases per owner among the cases of ``team_ids``, busiest first."""
    if not team_ids:
        return []
    query = (
        select(User.id, User.name, func.count(Case.id))
        .join(Case, Case.owner_id == User.id)
        .where(Case.team_id.in_(team_ids), Case.status.in_(OPEN_STATUSES))
        .group_by(User.id, User.name)
        .order_by(func.count(Case.id).desc(), User.name)
    )
    return [Workload(user_id, name, count) for user_id, name, count in session.execute(query)]


def _filtered(filters: InboxFilters, viewer: Viewer, now: datetime) -> Select[Case]:
    query = select(Case).where(_view_condition(filters.view, viewer, now))
    # Mine and my teams are visible by definition; the other views are narrowed to what the
    # viewer may see.
    if not viewer.sees_all and filters.view not in {InboxView.MINE, InboxView.TEAM}:
        query = query.where(_visible(viewer))
    if filters.status == OPEN:
        query = query.where(Case.status.in_(OPEN_STATUSES))
    elif filters.status != ANY_STATUS:
        query = query.where(Case.status == CaseStatus(filters.status))
    if filters.priority is not None:
        query = query.where(Case.priority == filters.priority)
    if filters.touchpoint_id is not None:
        query = query.where(Case.touchpoint_id == filters.touchpoint_id)
    if filters.band is not None:
        query = query.where(Case.score_band == filters.band)
    if filters.root_cause_id is not None:
        tagged = exists().where(
            case_root_causes.c.case_id == Case.id,
            case_root_causes.c.root_cause_id == filters.root_cause_id,
        )
        query = query.where(tagged)
    if filters.age is not None:
        query = query.where(_age_condition(filters.age, now))
    return query


def _visible(viewer: Viewer) -> ColumnElement[bool]:
    """Cases of the viewer's teams, their own, and cases that reached no team."""
    return or_(
        Case.team_id.in_(viewer.team_ids) if viewer.team_ids else false(),
        Case.owner_id == viewer.user_id,
        Case.team_id.is_(None),
    )


def _view_condition(view: InboxView, viewer: Viewer, now: datetime) -> ColumnElement[bool]:
    if view == InboxView.MINE:
        return Case.owner_id == viewer.user_id
    if view == InboxView.TEAM:
        return Case.team_id.in_(viewer.team_ids) if viewer.team_ids else false()
    if view == InboxView.UNASSIGNED:
        return Case.owner_id.is_(None)
    if view == InboxView.OVERDUE:
        return _overdue(now)
    return and_(Case.id.is_not(None))


def _overdue(now: datetime) -> ColumnElement[bool]:
    return and_(
        Case.status.in_(OPEN_STATUSES),
        or_(
            and_(Case.first_action_at.is_(None), Case.first_action_due_at < now),
            Case.resolution_due_at < now,
        ),
    )


def _age_condition(age: CaseAge, now: datetime) -> ColumnElement[bool]:
    if age == CaseAge.OLDER:
        return Case.opened_at < now - _AGE_LIMITS[CaseAge.MONTH]
    return Case.opened_at >= now - _AGE_LIMITS[age]


_URGENCY = case(
    (Case.priority == CasePriority.URGENT, 0),
    (Case.priority == CasePriority.HIGH, 1),
    (Case.priority == CasePriority.NORMAL, 2),
    else_=3,
)
_NEXT_DUE = case(
    (Case.first_action_at.is_(None), Case.first_action_due_at), else_=Case.resolution_due_at
)


def _order(sort: InboxSort) -> tuple[Any, ...]:
    if sort == InboxSort.DUE:
        return (_NEXT_DUE, Case.id)
    if sort == InboxSort.NEWEST:
        return (Case.opened_at.desc(), Case.id.desc())
    if sort == InboxSort.OLDEST:
        return (Case.opened_at, Case.id)
    if sort == InboxSort.UPDATED:
        return (Case.updated_at.desc(), Case.id.desc())
    return (_URGENCY, _NEXT_DUE, Case.id)


@dataclass(frozen=True)
class InboxOverview:
    """Everything the inbox page shows: one page, the tab counts, workload, whom to assign."""

    page: InboxPage
    counts: dict[InboxView, int]
    workload: list[Workload]
    assignees: Sequence[User]
    touchpoints: Sequence[Touchpoint]
    root_causes: Sequence[RootCause]


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
    """The inbox for ``user``: ``filters``' page (an empty one for ``None``), counts, workload.

    Workload and the people to assign to cover the viewer's teams (every team for admins and
    CX owners).
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
    touchpoints, causes = filter_choices(session)
    return InboxOverview(
        page=page,
        counts=count_views(session, viewer=viewer, now=now),
        workload=workload(session, team_ids),
        assignees=_assignees(session, viewer),
        touchpoints=touchpoints,
        root_causes=causes,
    )


def _assignees(session: Session, viewer: Viewer) -> Sequence[User]:
    query = select(User).where(
        User.is_active.is_(True), User.role.in_([Role.ADMIN, Role.MANAGER, Role.AGENT])
    )
    if not viewer.sees_all:
        members = select(team_members.c.user_id).where(team_members.c.team_id.in_(viewer.team_ids))
        query = query.where(User.id.in_(members))
    return session.scalars(query.order_by(User.name)).all()
