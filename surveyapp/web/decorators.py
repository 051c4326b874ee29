"""Route guards: every staff view names the section whose roles may open it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, request
from flask_login import current_user

from surveyapp.domain.roles import SECTION_ROLES, Role, can_open
from surveyapp.extensions import login_manager
from surveyapp.web.errors import wants_json

F = TypeVar("F", bound=Callable[..., Any])

# The attribute the route-walk test reads to know which roles a staff view admits.
SECTION_ATTRIBUTE = "staff_section"


def staff_view(section: str) -> Callable[[F], F]:
    """Admit only signed-in, active staff whose role may open ``section``; others get 403.

    Anonymous visitors are sent to the sign-in page and come back afterwards; programs
    (``Accept: application/json``) get a 401 problem document instead of a redirect to a form.
    """
    if section not in SECTION_ROLES:
        raise ValueError(f"unknown staff section {section!r}")

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if wants_json():
                    abort(401)
                return login_manager.unauthorized()
            if not can_open(current_user.role, section):
                abort(403)
            return view(*args, **kwargs)

        setattr(guarded, SECTION_ATTRIBUTE, section)
        return guarded  # type: ignore[return-value]

    return decorate


# The roles a view admits for changes (POST and other non-reading methods); the route-walk
# test reads it. @staff_view's functools.wraps copies it to the outer view.
ACTION_ROLES_ATTRIBUTE = "action_roles"


def has_role(roles: frozenset[Role]) -> bool:
    """Whether the signed-in user has one of ``roles``."""
    return bool(current_user.is_authenticated and current_user.role in roles)


def changes_need(roles: frozenset[Role]) -> Callable[[F], F]:
    """Refuse (403) any request but GET/HEAD from users without one of ``roles``.

    Goes below ``@staff_view(...)``, which admits the section's readers and sends anonymous
    visitors to sign in; readers keep every page, only changes need these roles.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if request.method not in {"GET", "HEAD"} and not has_role(roles):
                abort(403)
            return view(*args, **kwargs)

        setattr(guarded, ACTION_ROLES_ATTRIBUTE, roles)
        return guarded  # type: ignore[return-value]

    return decorate
