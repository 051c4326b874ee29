"""Who may work which case (service layer): the object-level half of the role checks.

Routes admit roles (``web/cases``); these rules decide per case. Admins work every case.
Managers and agents work the cases of their teams and the cases they own; managers also
route the cases that reached no team. CX owners and viewers read cases but never work them.
"""

from __future__ import annotations

from surveyapp.domain.case_states import WORKERS, Actor
from surveyapp.domain.i18n import N_
from surveyapp.domain.roles import Role
from surveyapp.models import Case, User
from surveyapp.services.errors import PermissionDenied

ASSIGNS_OTHERS: frozenset[Actor] = frozenset({Role.ADMIN, Role.MANAGER})


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


def may_assign_others(user: User) -> bool:
    """Whether ``user`` may give cases to others (agents only take cases themselves)."""
    return user.role in ASSIGNS_OTHERS
