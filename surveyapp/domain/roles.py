"""Staff roles and which parts of the staff area each role may open."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A staff user's role; the values are stored in the database."""

    ADMIN = "admin"
    CX_OWNER = "cx_owner"
    MANAGER = "manager"
    AGENT = "agent"
    VIEWER = "viewer"


ALL_ROLES: frozenset[Role] = frozenset(Role)

# Which roles may open each staff section. Later capabilities refine actions inside a section;
# this table decides only who sees the section at all.
SECTION_ROLES: dict[str, frozenset[Role]] = {
    "home": ALL_ROLES,
    "surveys": frozenset({Role.ADMIN, Role.CX_OWNER, Role.VIEWER}),
    "touchpoints": frozenset({Role.ADMIN, Role.CX_OWNER, Role.VIEWER}),
    "contacts": frozenset({Role.ADMIN, Role.CX_OWNER, Role.MANAGER, Role.AGENT}),
    # CX owners read cases and keep their settings (rules, root causes, SLAs); they do not
    # work them (domain/case_states.py says who may act).
    "cases": frozenset({Role.ADMIN, Role.CX_OWNER, Role.MANAGER, Role.AGENT}),
    # Responses carry customers' own words: everyone who works with customers reads them.
    "responses": ALL_ROLES,
    "reports": ALL_ROLES,
    # The sending queue, dead letters and the built-in outbox show customers' addresses and
    # mail: the people who run the surveys. Only admins replay (web/dispatch/access.py).
    "dispatch": frozenset({Role.ADMIN, Role.CX_OWNER}),
    # Websites that embed surveys: their origins, key and signing secret. Only admins may look
    # at a site's secret again (web/sites/views.py).
    "sites": frozenset({Role.ADMIN, Role.CX_OWNER}),
    "admin": frozenset({Role.ADMIN}),
}


def can_open(role: Role, section: str) -> bool:
    """Return whether ``role`` may open the staff ``section`` (unknown sections: no)."""
    return role in SECTION_ROLES.get(section, frozenset())
