"""RFC 9457 problem details for every failure of /api/v1 (titles and details stay English)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus

from flask import Response, current_app, url_for
from flask_limiter.errors import RateLimitExceeded
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from surveyapp.services.errors import ServiceError, ValidationFailed
from surveyapp.web.api.v1 import bp
from surveyapp.web.api.v1.schemas import FieldError, Problem

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: its anchor on the docs page, title, and when it happens."""

    slug: str
    title: str
    meaning: str


PROBLEM_TYPES: dict[int, ProblemType] = {
    400: ProblemType("malformed-request", "Malformed request", "The body is not valid JSON."),
    401: ProblemType(
        "unauthorized",
        "Unauthorized",
        "No API key was sent, or the key is unknown or revoked. "
        "Send it as 'Authorization: Bearer <key>'.",
    ),
    403: ProblemType("forbidden", "Forbidden", "The API key lacks the scope this operation needs."),
    404: ProblemType("not-found", "Not found", "The object in the path does not exist."),
    405: ProblemType("method-not-allowed", "Method not allowed", "See the Allow header."),
    409: ProblemType("conflict", "Conflict", "The request contradicts the current state."),
    413: ProblemType(
        "content-too-large",
        "Content too large",
        "The body is larger than this installation accepts (SURVEYAPP_MAX_CONTENT_LENGTH).",
    ),
    415: ProblemType(
        "unsupported-media-type",
        "Unsupported media type",
        "The body must be JSON sent with 'Content-Type: application/json'.",
    ),
    422: ProblemType(
        "validation-failed",
        "Validation failed",
        "Some fields are missing or not valid; 'errors' lists each field and why.",
    ),
    429: ProblemType(
        "rate-limited",
        "Too many requests",
        "The API key used up its requests for now; retry after the seconds in Retry-After.",
    ),
    500: ProblemType(
        "internal-error",
        "Internal server error",
        "Something failed on our side; the error was logged under 'reference'.",
    ),
}
DEFAULT_DETAILS = {
    400: "The request could not be understood.",
    404: "Nothing exists at this address.",
    405: "This address does not accept that method.",
    413: "The request body is larger than this installation accepts.",
}


class ApiProblem(Exception):
    """Raised by API code to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Iterable[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})


def problem_response(
    status: int,
    detail: str,
    *,
    errors: Iterable[FieldError] = (),
    headers: Mapping[str, str] | None = None,
    reference: str | None = None,
) -> Response:
    """An ``application/problem+json`` response whose ``type`` links to the docs page."""
    kind = PROBLEM_TYPES.get(status) or PROBLEM_TYPES[500 if status >= 500 else 400]  # noqa: PLR2004
    problem = Problem(
        type=url_for("api_v1.docs", _external=True, _anchor=f"problem-{kind.slug}"),
        title=kind.title,
        status=status,
        detail=detail,
        errors=list(errors),
        reference=reference,
    )
    response = Response(
        problem.model_dump_json(exclude_none=True), status=status, mimetype=PROBLEM_MEDIA_TYPE
    )
    response.headers.update(headers or {})
    return response


def validation_problem(error: ValidationError) -> ApiProblem:
    """400 for a body that is not JSON at all, else 422 listing every field's message."""
    issues = error.errors(include_url=False)
    malformed = next((issue for issue in issues if issue["type"] == "json_invalid"), None)
    if malformed is not None:
        return ApiProblem(400, f"The body is not valid JSON: {malformed['msg']}.")
    return ApiProblem(422, "Some fields are missing or not valid.", errors=field_errors_of(error))


def field_errors_of(error: ValidationError) -> list[FieldError]:
    """Pydantic's errors as ``{field, message}`` with dotted paths (``contact.email``)."""
    return [
        FieldError(
            field=".".join(str(part) for part in issue["loc"]) or "body", message=issue["msg"]
        )
        for issue in error.errors(include_url=False)
    ]


def service_field_errors(
    error: ValidationFailed, rename: Callable[[str], str] = str
) -> list[FieldError]:
    """A service's field errors (English source messages) under the API's field names."""
    if not error.field_errors:
        return [FieldError(field="body", message=error.message)]
    return [
        FieldError(field=rename(name), message=message)
        for name, message in error.field_errors.items()
    ]


@bp.errorhandler(ApiProblem)
def _api_problem(error: ApiProblem) -> Response:
    return problem_response(error.status, error.detail, errors=error.errors, headers=error.headers)


@bp.errorhandler(ServiceError)
def _service_error(error: ServiceError) -> Response:
    if isinstance(error, ValidationFailed):
        return problem_response(422, error.message, errors=service_field_errors(error))
    return problem_response(error.status, error.message)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return _crash(error)
    headers = {}
    if isinstance(error, RateLimitExceeded):
        detail = f"This API key may make {error.description} requests; retry after Retry-After."
    elif isinstance(error, RequestEntityTooLarge):
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        detail = f"The request body is larger than {limit} bytes."
    else:
        detail = DEFAULT_DETAILS.get(status, HTTPStatus(status).description)
        headers = {key: value for key, value in error.get_headers() if key == "Allow"}
    return problem_response(status, detail, headers=headers)


@bp.errorhandler(Exception)
def _crash(error: Exception) -> Response:
    reference = secrets.token_hex(6)
    log.error("Unhandled API error, reference %s", reference, exc_info=error)
    return problem_response(
        500, "The error was logged; quote the reference when you report it.", reference=reference
    )
