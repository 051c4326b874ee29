"""API keys on /api/v1: the bearer check, scopes, the per-key rate limit and audit attribution."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import g, request
from sqlalchemy.orm import Session

from surveyapp.extensions import limiter
from surveyapp.runtime import get_runtime
from surveyapp.services import api_keys, audit
from surveyapp.web.api.v1.errors import ApiProblem
from surveyapp.web.uow import clock, request_session, unit_of_work

if TYPE_CHECKING:
    from surveyapp.models import ApiKey

F = TypeVar("F", bound=Callable[..., Any])

# The attribute the OpenAPI registry reads to document an operation's scope.
SCOPE_ATTRIBUTE = "api_scope"
# RFC 6750: the scheme name is case-insensitive; the token is one run of visible characters.
_BEARER = re.compile(r"\s*Bearer\s+(\S+)\s*", re.IGNORECASE)
_CHALLENGE = 'Bearer realm="surveyapp"'
# Every endpoint of the API draws from one bucket per key.
RATE_LIMIT_SCOPE = "api_v1"


def requires_scope(scope: str) -> Callable[[F], F]:
    """Admit requests whose bearer key is active and has ``scope``; 401 or 403 otherwise.

    Admitted requests then count against the key's rate limit (``SURVEYAPP_API_RATE_LIMIT``).
    """
    if scope not in api_keys.SCOPES:
        raise ValueError(f"unknown API scope {scope!r}")

    def decorate(view: F) -> F:
        limited = limiter.shared_limit(_rate_limit, RATE_LIMIT_SCOPE, key_func=_limit_key)(view)

        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            api_key = _authenticate()
            if scope not in api_key.scopes:
                raise ApiProblem(403, f"This API key lacks the scope {scope}.")
            g.api_key = api_key
            return limited(*args, **kwargs)

        setattr(guarded, SCOPE_ATTRIBUTE, scope)
        return guarded  # type: ignore[return-value]

    return decorate


def current_api_key() -> ApiKey:
    """The key that authenticated this request (inside a ``requires_scope`` view)."""
    api_key: ApiKey = g.api_key
    return api_key


def record_write(
    session: Session, action: str, *, target: Any = None, details: dict[str, Any] | None = None
) -> None:
    """Attribute a write of this request to its API key in the audit trail."""
    audit.record(
        session,
        action,
        clock=clock(),
        api_key=current_api_key(),
        target=target,
        details=details,
        ip=request.remote_addr,
    )


def _authenticate() -> ApiKey:
    match = _BEARER.fullmatch(request.headers.get("Authorization", ""))
    if match is None:
        raise ApiProblem(
            401,
            "Send an API key in the header 'Authorization: Bearer <key>'.",
            headers={"WWW-Authenticate": _CHALLENGE},
        )
    api_key = api_keys.authenticate(request_session(), match.group(1))
    if api_key is None:
        raise ApiProblem(
            401,
            "This API key is not valid or was revoked.",
            headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'},
        )
    if api_keys.use_to_record(api_key, clock=clock()):
        # Committed on its own, before the request's work: the key's last use is kept even
        # when the request then fails, and its row is locked only for this short transaction.
        with unit_of_work() as db:
            api_keys.record_use(db, api_key, clock=clock())
    return api_key


def _rate_limit() -> str:
    return get_runtime().config.api_rate_limit


def _limit_key() -> str:
    return f"api-key-{current_api_key().id}"
