"""Failures of the widget's endpoints (problem details) and of its frame (short pages).

The widget shows nothing to the visitor when a request fails and logs the problem's detail to
the browser console, so the details stay English, like the API's.
"""

from __future__ import annotations

import logging
import secrets
from http import HTTPStatus

from flask import Response, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from surveyapp.domain.i18n import N_
from surveyapp.services.errors import ServiceError
from surveyapp.web.embed import bp, frame_bp
from surveyapp.web.embed.frame_rendering import frame_locale, render_frame_message

log = logging.getLogger(__name__)


def problem(status: int, detail: str, reference: str | None = None) -> Response:
    """An RFC 9457 problem document."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    body["detail"] = detail
    if reference:
        body["reference"] = reference
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


@bp.errorhandler(ServiceError)
def _service(error: ServiceError) -> ResponseReturnValue:
    return problem(error.status, error.message)


@bp.errorhandler(HTTPException)
def _http(error: HTTPException) -> ResponseReturnValue:
    status = error.code or HTTPStatus.INTERNAL_SERVER_ERROR
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return _crash(error)
    response = problem(status, str(error.description))
    for name, value in error.get_headers():
        if name in {"Retry-After", "Allow"}:
            response.headers[name] = value
    return response


@bp.errorhandler(Exception)
def _crash(error: Exception) -> ResponseReturnValue:
    reference = secrets.token_hex(6)
    log.error("Unhandled widget error, reference %s", reference, exc_info=error)
    return problem(500, "The error was logged; quote the reference.", reference)


FRAME_TITLES = {
    403: N_("No answers without consent"),
    404: N_("This survey is not available"),
    409: N_("This was changed in the meantime"),
    410: N_("This survey has closed"),
    429: N_("Too many requests"),
    500: N_("Something went wrong on our side"),
}
FRAME_MESSAGES = {
    403: N_("You said no to surveys on this website, so no answer is stored."),
    404: N_("Please close this window; the survey can no longer be shown."),
    409: N_("Please close this window and try again later."),
    410: N_("Thank you for your interest. This survey no longer accepts answers."),
    429: N_("Too many answers came from your network in a short time. Please wait a minute."),
    500: N_("The error was logged. If it happens again, please mention this reference:"),
}
_FALLBACK_TITLE = N_("Something went wrong")
_FALLBACK_MESSAGE = N_("The request could not be understood. Please close this window.")


def _frame_page(status: int, reference: str | None = None) -> ResponseReturnValue:
    title = FRAME_TITLES.get(status, _FALLBACK_TITLE)
    message = FRAME_MESSAGES.get(status, _FALLBACK_MESSAGE)
    page = render_frame_message(frame_locale(), title=title, message=message, reference=reference)
    return page, status


@frame_bp.errorhandler(ServiceError)
def _frame_service(error: ServiceError) -> ResponseReturnValue:
    return _frame_page(error.status)


@frame_bp.errorhandler(HTTPException)
def _frame_http(error: HTTPException) -> ResponseReturnValue:
    status = error.code or HTTPStatus.INTERNAL_SERVER_ERROR
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return _frame_crash(error)
    return _frame_page(status)


@frame_bp.errorhandler(Exception)
def _frame_crash(error: Exception) -> ResponseReturnValue:
    reference = secrets.token_hex(6)
    log.error("Unhandled error in a widget frame, reference %s", reference, exc_info=error)
    return _frame_page(500, reference)
