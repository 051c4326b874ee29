"""Who may change surveys: viewers open every builder page, but only editors change anything."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, request
from flask_login import current_user

from surveyapp.domain.roles import Role

F = TypeVar("F", bound=Callable[..., Any])

# The surveys section admits viewers too (SECTION_ROLES); these roles may also change surveys.
EDITOR_ROLES = frozenset({Role.ADMIN, Role.CX_OWNER})
# The attribute naming the roles a view's POST admits, as web/contacts/access.py names it; the
# route-walk test may read it (@staff_view's functools.wraps copies it to the outer view).
ACTION_ROLES_ATTRIBUTE = "action_roles"


def may_edit_surveys() -> bool:
    """Whether the signed-in user may create, change, publish and archive surveys."""
    return bool(current_user.is_authenticated and current_user.role in EDITOR_ROLES)


def edits_surveys(view: F) -> F:
    """Refuse (403) any request but GET/HEAD from users who may only look at surveys.

    Goes below ``@staff_view("surveys")``, which has already sent anonymous visitors to sign in.
    """

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if request.method not in {"GET", "HEAD"} and not may_edit_surveys():
            abort(403)
        return view(*args, **kwargs)

    setattr(guarded, ACTION_ROLES_ATTRIBUTE, EDITOR_ROLES)
    return guarded  # type: ignore[return-value]
