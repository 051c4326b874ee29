"""Who may change touchpoints, stages and rules: viewers look at everything, change nothing."""

from __future__ import annotations

from surveyapp.domain.roles import Role
from surveyapp.web.decorators import changes_need, has_role

# The touchpoints section admits viewers too (SECTION_ROLES); only these roles change things.
EDITOR_ROLES = frozenset({Role.ADMIN, Role.CX_OWNER})

edits_touchpoints = changes_need(EDITOR_ROLES)


def may_edit_touchpoints() -> bool:
    """Whether the signed-in user may create and change touchpoints, stages and rules."""
    return has_role(EDITOR_ROLES)
