"""Who may act in the sending section: admins and CX owners read, only admins replay."""

from __future__ import annotations

from surveyapp.domain.roles import Role
from surveyapp.web.decorators import has_role

# Replaying an uncertain send may deliver it twice: an admin decides (services check it too).
REPLAY_ROLES = frozenset({Role.ADMIN})


def permissions() -> dict[str, bool]:
    """What the signed-in user may do here, for templates to offer only those actions."""
    return {"may_replay": has_role(REPLAY_ROLES)}
