"""Who may change surveys: viewers open every builder page, but only editors change anything."""

from __future__ import annotations

from surveyapp.domain.roles import Role
from surveyapp.web.decorators import changes_need, has_role

# The surveys section admits viewers too (SECTION_ROLES); these roles may also change surveys.
EDITOR_ROLES = frozenset({Role.ADMIN, Role.CX_OWNER})

edits_surveys = changes_need(EDITOR_ROLES)


def may_edit_surveys() -> bool:
    """Whether the signed-in user may create, change, publish and archive surveys."""
    return has_role(EDITOR_ROLES)
