"""Whose figures a staff member may see in reports: managers and agents their teams' only."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from surveyapp.domain.i18n import N_
from surveyapp.domain.roles import Role
from surveyapp.models import Touchpoint, User
from surveyapp.services.errors import PermissionDenied
from surveyapp.services.reporting.choices import ReportChoices
from surveyapp.services.reporting.filters import ReportFilters

# Roles that see only the teams they belong to (DESIGN.md §2: a manager works their team).
TEAM_BOUND_ROLES = frozenset({Role.MANAGER, Role.AGENT})
# The team filter of a team-bound user in no team: no team has this id, so nothing matches.
NO_TEAM = 0


def is_team_bound(actor: User) -> bool:
    """Whether ``actor`` sees only the reports of the teams they belong to."""
    return actor.role in TEAM_BOUND_ROLES


def scoped_filters(session: Session, actor: User, filters: ReportFilters) -> ReportFilters:
    """``filters`` as ``actor`` may see them: managers and agents only their teams' data.

    A team-bound user who names no team or touchpoint gets their first team (by name); one in
    no team gets ``NO_TEAM``, which matches nothing (an empty report, not an error page).
    Naming a team or touchpoint that is not theirs raises ``PermissionDenied``. Other roles
    see everything. Reads only.
    """
    if not is_team_bound(actor):
        return filters
    team_ids = [team.id for team in actor.teams]  # ordered by name
    if filters.touchpoint_id is not None:
        touchpoint = session.get(Touchpoint, filters.touchpoint_id)
        if touchpoint is None or touchpoint.team_id not in team_ids:
            raise PermissionDenied(N_("You may see the reports of your own teams only."))
    if filters.team_id is not None and filters.team_id not in team_ids:
        raise PermissionDenied(N_("You may see the reports of your own teams only."))
    if filters.team_id is not None or filters.touchpoint_id is not None:
        return filters
    return replace(filters, team_id=team_ids[0] if team_ids else NO_TEAM)


def visible_choices(choices: ReportChoices, actor: User) -> ReportChoices:
    """``choices`` without the teams and touchpoints ``actor`` may not see."""
    if not is_team_bound(actor):
        return choices
    team_ids = {team.id for team in actor.teams}
    return replace(
        choices,
        teams=[team for team in choices.teams if team.id in team_ids],
        touchpoints=[tp for tp in choices.touchpoints if tp.team_id in team_ids],
    )
