"""Reading JSON bodies and query strings of /api/v1 into pydantic models, or problems."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Response, request
from pydantic import BaseModel, ValidationError

from surveyapp.web.api.v1.errors import ApiProblem, validation_problem
from surveyapp.web.api.v1.schemas import FieldError, contains_nul
from surveyapp.web.uow import clock

M = TypeVar("M", bound=BaseModel)


def validation_context() -> dict[str, Any]:
    """What validators may compare with: the current time (times must not be in the future)."""
    return {"now": clock().now()}


def parse_body(model: type[M]) -> M:
    """The JSON body as ``model``: 415 unless JSON, 413 when too large, 400 or 422 when bad."""
    if not request.is_json:
        raise ApiProblem(415, "Send the body as JSON with 'Content-Type: application/json'.")
    _check_path()
    # Werkzeug raises RequestEntityTooLarge here for bodies over MAX_CONTENT_LENGTH.
    raw = request.get_data(cache=False)
    try:
        return model.model_validate_json(raw, context=validation_context())
    except ValidationError as error:
        raise validation_problem(error) from None


def parse_query(model: type[M]) -> M:
    """The query string as ``model`` (first value of each name); 422 when bad."""
    _check_path()
    try:
        return model.model_validate(request.args.to_dict(), context=validation_context())
    except ValidationError as error:
        raise validation_problem(error) from None


def _check_path() -> None:
    """422 for a path part with a NUL character (``%00``), which no stored id can hold."""
    refused = [name for name, value in (request.view_args or {}).items() if contains_nul(value)]
    if refused:
        message = "must not contain the NUL character (\\u0000)"
        raise ApiProblem(
            422,
            "Some fields are missing or not valid.",
            errors=[FieldError(field=name, message=message) for name in refused],
        )


def json_response(body: BaseModel, status: int = 200) -> Response:
    """``body`` serialised by pydantic (times as ISO 8601 UTC with ``Z``)."""
    return Response(body.model_dump_json(), status=status, mimetype="application/json")
