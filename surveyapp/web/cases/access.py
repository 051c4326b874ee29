"""Who may act in the cases section: workers act on cases, CX owners keep the settings.

Every role of the section reads the inbox, the case pages and the settings. The services
decide per case (``services/cases/access.py``): an agent works only the cases of their teams.
"""

from __future__ import annotations

from flask_login import current_user

from surveyapp.domain.roles import Role
from surveyapp.services.cases import access as case_access
from surveyapp.web.decorators import changes_need, has_role

WORKER_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT})
SETTINGS_ROLES = frozenset({Role.ADMIN, Role.CX_OWNER})
# Managers set their own teams' SLA and assignment (the service checks the team).
TEAM_SETTINGS_ROLES = frozenset({Role.ADMIN, Role.CX_OWNER, Role.MANAGER})

works_cases = changes_need(WORKER_ROLES)
edits_settings = changes_need(SETTINGS_ROLES)
edits_team_settings = changes_need(TEAM_SETTINGS_ROLES)


def permissions() -> dict[str, bool]:
    """What the signed-in user may do here, so templates offer only that."""
    return {
        "may_work_cases": has_role(WORKER_ROLES),
        "may_assign_others": bool(
            current_user.is_authenticated and case_access.may_assign_others(current_user)
        ),
        "may_edit_settings": has_role(SETTINGS_ROLES),
        "may_edit_team_settings": has_role(TEAM_SETTINGS_ROLES),
    }
