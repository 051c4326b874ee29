"""Route guards: every staff view names the section whose roles may open it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from surveyapp.domain.roles import SECTION_ROLES, can_open
from surveyapp.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])

# The attribute the route-walk test reads to know which roles a staff view admits.
SECTION_ATTRIBUTE = "staff_section"


def staff_view(section: str) -> Callable[[F], F]:
    """Admit only signed-in, active staff whose role may open ``section``; others get 403.

    Anonymous visitors are sent to the sign-in page and come back afterwards.
    """
    if section not in SECTION_ROLES:
        raise ValueError(f"unknown staff section {section!r}")

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can_open(current_user.role, section):
                abort(403)
            return view(*args, **kwargs)

        setattr(guarded, SECTION_ATTRIBUTE, section)
        return guarded  # type: ignore[return-value]

    return decorate
