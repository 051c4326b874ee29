"""Who may work which case (service layer): the object-level half of the role checks.

Routes admit roles (``web/cases``); these rules decide per case. Admins work every case.
Managers and agents work the cases of their teams and the cases they own; managers also
route the cases that reached no team. CX owners and viewers read cases but never work them.
Managers and agents read only what their inbox lists: their teams' cases, their own, and the
cases that reached no team; another team's case is refused even when its id is guessed.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from surveyapp.domain.case_states import WORKERS, Actor
from surveyapp.domain.i18n import N_
from surveyapp.domain.roles import Role
from surveyapp.models import Case, User
from surveyapp.services.errors import PermissionDenied

ASSIGNS_OTHERS: frozenset[Actor] = frozenset({Role.ADMIN, Role.MANAGER})
# Roles that read only the cases of their teams (as in reports: services/reporting/access.py).
TEAM_BOUND_READERS = frozenset({Role.MANAGER, Role.AGENT})


def team_ids(user: User) -> set[int]:
    """The ids of ``user``'s teams."""
    return {team.id for team in user.teams}


def may_work(user: User, case: Case) -> bool:
    """Whether ``user`` may note, call, write, tag, move or resolve ``case``."""
    if user.role not in WORKERS or not user.is_active:
        return False
    if user.role == Role.ADMIN or case.owner_id == user.id:
        return True
    if case.team_id is None:
        return user.role == Role.MANAGER
    return case.team_id in team_ids(user)


def check_may_work(user: User, case: Case) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may work ``case``."""
    if not may_work(user, case):
        raise PermissionDenied(N_("Only the case's team, its owner or an admin can change it."))


def may_read(user: User, case: Case) -> bool:
    """Whether ``user`` may open ``case`` (the inbox's rule, ``services/cases/inbox.py``)."""
    if user.role not in TEAM_BOUND_READERS:
        return True
    return case.owner_id == user.id or case.team_id is None or case.team_id in team_ids(user)


def check_may_read(user: User, case: Case) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may open ``case``."""
    if not may_read(user, case):
        raise PermissionDenied(N_("This case belongs to another team."))


def readable_by(user: User) -> ColumnElement[bool]:
    """SQL condition on ``Case``: the cases ``user`` may open (see ``may_read``)."""
    if user.role not in TEAM_BOUND_READERS:
        return true()
    teams = team_ids(user)
    return or_(
        Case.team_id.in_(teams) if teams else false(),
        Case.owner_id == user.id,
        Case.team_id.is_(None),
    )


def may_assign_others(user: User) -> bool:
    """Whether ``user`` may give cases to others (agents only take cases themselves)."""
    return user.role in ASSIGNS_OTHERS
