"""The case inbox's numbers (service layer): open cases per tab and per team member.

Both read the open cases' covering index (``ix_cases_open_counts``) over the viewer's teams
only, never every case.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from surveyapp.domain.case_states import OPEN_STATUSES
from surveyapp.models import Case, User
from surveyapp.models.base import UTCDateTime
from surveyapp.services.cases.inbox import InboxView, Viewer


@dataclass(frozen=True)
class Workload:
    """A team member's open cases."""

    user_id: int
    name: str
    open_cases: int


def tally(
    session: Session, *, viewer: Viewer, team_ids: Collection[int], now: datetime
) -> tuple[dict[InboxView, int], list[Workload]]:
    """The tab counts for ``viewer`` at ``now`` (UTC) and the workload of ``team_ids``.

    One statement: the open cases ``viewer`` sees, counted per team and owner. What a viewer
    sees is split into parts that match no case twice (their teams' cases, cases of no team,
    their own cases elsewhere), each an index range over the open cases, never every case.
    ``team_ids`` must be among the viewer's teams (every team for admins). Reads only.
    """
    parameters: dict[str, Any] = {"now": now, "user_id": viewer.user_id}
    if viewer.team_ids and not viewer.sees_all:
        parameters["team_ids"] = sorted(viewer.team_ids)
    query = _tally_statement(sees_all=viewer.sees_all, has_teams=bool(viewer.team_ids))
    counts = dict.fromkeys(InboxView, 0)
    loads: dict[int, Workload] = {}
    for team_id, owner_id, open_cases, overdue, name in session.execute(query, parameters):
        counts[InboxView.ALL] += open_cases
        counts[InboxView.OVERDUE] += overdue
        if owner_id is None:
            counts[InboxView.UNASSIGNED] += open_cases
        elif owner_id == viewer.user_id:
            counts[InboxView.MINE] += open_cases
        if team_id in viewer.team_ids:
            counts[InboxView.TEAM] += open_cases
        if owner_id is not None and team_id in team_ids:
            before = loads.get(owner_id, Workload(owner_id, name, 0)).open_cases
            loads[owner_id] = Workload(owner_id, name, before + open_cases)
    busiest = sorted(loads.values(), key=lambda load: (-load.open_cases, load.name))
    return counts, busiest


@cache
def _tally_statement(*, sees_all: bool, has_teams: bool) -> Select[Any]:
    """The tally's statement for one kind of viewer, built once (its values are parameters)."""
    counted = [
        select(
            Case.team_id,
            Case.owner_id,
            func.count().label("open_cases"),
            func.count(case((Case.overdue_at < bindparam("now", type_=UTCDateTime()), 1))).label(
                "overdue"
            ),
        )
        .where(part)
        .group_by(Case.team_id, Case.owner_id)
        for part in _parts(sees_all=sees_all, has_teams=has_teams)
    ]
    groups = union_all(*counted).subquery()
    return select(groups, User.name).outerjoin(User, User.id == groups.c.owner_id)


def _parts(*, sees_all: bool, has_teams: bool) -> list[ColumnElement[bool]]:
    """The open cases a viewer sees (their teams', their own, teamless), without overlaps."""
    is_open = Case.is_open == true()
    # Their own cases elsewhere by owner and status: the index of open cases (is_open first)
    # would be a scan of every open case for this part.
    own_open = and_(
        Case.owner_id == bindparam("user_id"),
        or_(*(Case.status == status for status in sorted(OPEN_STATUSES))),
    )
    if sees_all:
        return [is_open]
    if not has_teams:
        return [and_(is_open, Case.team_id.is_(None)), and_(own_open, Case.team_id.is_not(None))]
    teams: BindParameter[Any] = bindparam("team_ids", expanding=True)
    return [
        and_(is_open, Case.team_id.in_(teams)),
        and_(is_open, Case.team_id.is_(None)),
        and_(own_open, Case.team_id.not_in(teams)),
    ]
