"""The case inbox (service layer): views, filters, sorting, counts and workload.

Views: ``mine`` (owned by me), ``team`` (my teams' cases), ``unassigned`` (no owner, in my
teams or routed to no team), ``overdue`` (past a due time, in my teams or mine; everything
for admins) and ``all``. By default a view lists open cases only. Pages are numbered;
a page is one query. The tab counts and the workload are in ``inbox_counts``, the whole
page's data in ``inbox_overview``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from surveyapp.domain.case_rules import CasePriority, ScoreBand
from surveyapp.domain.case_states import OPEN_STATUSES, CaseStatus
from surveyapp.models import Case, Contact, Team, Touchpoint, User
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


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One case as the inbox lists it: its own fields and the names of who and what it is about.

    ``customer`` is the contact's name or external id (``None`` for anonymous answers);
    ``next_due_at`` is the first action's due time until one was taken, then the resolution's.
    """

    id: int
    version: int
    reasons: Sequence[str]
    priority: CasePriority
    status: CaseStatus
    score: int | None
    customer: str | None
    touchpoint: str | None
    owner: str | None
    team: str | None
    next_due_at: datetime
    is_open: bool
    is_overdue: bool


@dataclass(frozen=True)
class InboxPage:
    """One page of cases and whether another follows."""

    cases: Sequence[InboxRow]
    page: int
    has_next: bool


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
    """One page of the cases ``filters`` select for ``viewer``, sorted as asked (one query).

    The default lists (a team's, an owner's or all open cases, most urgent first) are read in
    the order of an index on the derived ``is_open``, ``urgency`` and ``next_due_at`` columns
    and stop after one page, however many cases there are.
    """
    page = max(filters.page, 1)
    # The page's case ids first, then their names by primary key: the sort and the cut run
    # over the narrow index entries, the joins over one page of rows only.
    chosen = (
        _filtered(filters, viewer, now)
        .order_by(*_order(filters.sort))
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
        .subquery()
    )
    query = (
        select(*_ROW_COLUMNS)
        .select_from(chosen)
        .join(Case, Case.id == chosen.c.id)
        .outerjoin(Contact, Contact.id == Case.contact_id)
        .outerjoin(Touchpoint, Touchpoint.id == Case.touchpoint_id)
        .outerjoin(User, User.id == Case.owner_id)
        .outerjoin(Team, Team.id == Case.team_id)
        .order_by(*_order(filters.sort))
    )
    rows = [_row(values, now) for values in session.execute(query)]
    return InboxPage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


_ROW_COLUMNS = (
    Case.id,
    Case.version,
    Case.reasons,
    Case.priority,
    Case.status,
    Case.score,
    Contact.name,
    Contact.external_id,
    Touchpoint.name,
    User.name,
    Team.name,
    Case.next_due_at,
    Case.is_open,
    Case.overdue_at,
)


def _row(values: Any, now: datetime) -> InboxRow:
    (
        case_id,
        version,
        reasons,
        priority,
        status,
        score,
        contact_name,
        external_id,
        touchpoint,
        owner,
        team,
        next_due_at,
        is_open,
        overdue_at,
    ) = values
    return InboxRow(
        id=case_id,
        version=version,
        reasons=reasons or (),
        priority=priority,
        status=status,
        score=score,
        customer=contact_name or external_id,
        touchpoint=touchpoint,
        owner=owner,
        team=team,
        next_due_at=next_due_at,
        is_open=bool(is_open),
        is_overdue=bool(is_open) and overdue_at < now,
    )


def count_mine(session: Session, user_id: int) -> int:
    """Open cases owned by ``user_id``: the badge in the navigation (one indexed count)."""
    query = select(func.count()).where(Case.owner_id == user_id, Case.is_open == true())
    return int(session.scalar(query) or 0)


def _filtered(filters: InboxFilters, viewer: Viewer, now: datetime) -> Select[int]:
    query = select(Case.id).where(_view_condition(filters.view, viewer, now))
    # Mine and my teams are visible by definition; the other views are narrowed to what the
    # viewer may see.
    if not viewer.sees_all and filters.view not in {InboxView.MINE, InboxView.TEAM}:
        query = query.where(_visible(viewer))
    if filters.status == OPEN:
        query = query.where(Case.is_open == true())
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
        return and_(Case.is_open == true(), Case.overdue_at < now)
    return and_(Case.id.is_not(None))


def _age_condition(age: CaseAge, now: datetime) -> ColumnElement[bool]:
    if age == CaseAge.OLDER:
        return Case.opened_at < now - _AGE_LIMITS[CaseAge.MONTH]
    return Case.opened_at >= now - _AGE_LIMITS[age]


def _order(sort: InboxSort) -> tuple[Any, ...]:
    if sort == InboxSort.DUE:
        return (Case.next_due_at, Case.id)
    if sort == InboxSort.NEWEST:
        return (Case.opened_at.desc(), Case.id.desc())
    if sort == InboxSort.OLDEST:
        return (Case.opened_at, Case.id)
    if sort == InboxSort.UPDATED:
        return (Case.updated_at.desc(), Case.id.desc())
    return (Case.urgency, Case.next_due_at, Case.id)
