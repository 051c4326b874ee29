"""Who may change what in the contacts section: everyone in it reads, fewer roles act."""

from __future__ import annotations

from surveyapp.domain.roles import SECTION_ROLES, Role
from surveyapp.web.decorators import has_role

# The contacts section admits agents too (SECTION_ROLES); these roles may also act, through
# @changes_need (web/decorators.py) below @staff_view("contacts").
CONSENT_ROLES = frozenset({Role.ADMIN, Role.CX_OWNER, Role.MANAGER})  # record consent, export
SETTINGS_ROLES = frozenset({Role.ADMIN, Role.CX_OWNER})  # consent policy and texts, import
ERASE_ROLES = frozenset({Role.ADMIN})  # erasure is guarded by @staff_view("admin")


def permissions() -> dict[str, bool]:
    """What the signed-in user may do here, for templates to offer only those actions."""
    return {
        "may_record_consent": has_role(CONSENT_ROLES),
        "may_configure": has_role(SETTINGS_ROLES),
        "may_erase": has_role(ERASE_ROLES),
        # Invitations link to their dispatch timeline for those who may open it.
        "may_open_dispatch": has_role(SECTION_ROLES["dispatch"]),
    }
