"""Error pages and problem details that explain the problem and never leak internals."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from surveyapp.domain.i18n import N_
from surveyapp.services._db import is_transient
from surveyapp.services.errors import ServiceError

log = logging.getLogger(__name__)

TITLES: dict[int, Any] = {
    400: _l("The request could not be understood"),
    401: _l("Please sign in"),
    403: _l("You don't have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("This was changed in the meantime"),
    413: _l("The upload is too large"),
    422: _l("Please check your input"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("Temporarily unavailable"),
}
MESSAGES: dict[int, Any] = {
    400: _l("Something in the request was not valid. Go back, check the form and try again."),
    401: _l("Sign in to continue."),
    403: _l("Your role does not give access to this page. Ask an admin if you need it."),
    404: _l("The page you are looking for does not exist or was moved."),
    405: _l("This address does not accept that kind of request."),
    409: _l("Someone changed this in the meantime. Reload the page and try again."),
    413: _l("The data you sent is larger than this installation accepts."),
    422: _l("Some of the input was not accepted."),
    429: _l("Please wait a minute before you try again."),
    500: _l("The error was logged. If it happens again, tell your admin this reference:"),
    503: _l("Please try again in a moment."),
}
UNAVAILABLE_MESSAGE = _l(
    "The database is busy or unavailable for a moment, so nothing was saved. "
    "Please send it again in a few seconds."
)
# How long callers should wait before sending again (a lock or a restart takes seconds).
RETRY_AFTER_S = 5
RESPONDENT_SCOPE = "public"
# Respondent pages translate their own msgids when rendering (N_ marks them for extraction).
RESPONDENT_UNAVAILABLE_TITLE = N_("Your answer was not saved yet")
RESPONDENT_UNAVAILABLE = N_(
    "We could not store it just now. Please go back and send your answer again in a few seconds."
)
CSRF_MESSAGE = _l(
    "The form's security token was missing or has expired, so nothing was saved. "
    "Go back, reload the page and submit the form again."
)


def wants_json() -> bool:
    """Whether the caller is a program (API, health check) rather than a browser."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def render_error(status: int, message: str | None = None, reference: str | None = None) -> Any:
    """An HTML page or an RFC 9457 problem document for ``status``."""
    fallback = HTTPStatus.BAD_REQUEST if status < HTTPStatus.INTERNAL_SERVER_ERROR else 500
    title = str(TITLES.get(status, TITLES[fallback]))
    detail = message or str(MESSAGES.get(status, ""))
    if wants_json():
        body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
        body["detail"] = detail
        if reference:
            body["reference"] = reference
        response: Response = jsonify(body)
        response.status_code = status
        response.mimetype = "application/problem+json"
        return response
    page = render_template(
        "errors.html", status=status, title=title, message=detail, reference=reference
    )
    return page, status


def register_error_handlers(app: Flask) -> None:
    """Map CSRF failures, HTTP errors, service errors and crashes to clear answers."""

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> Any:
        return render_error(400, str(CSRF_MESSAGE))

    @app.errorhandler(ServiceError)
    def _service(error: ServiceError) -> Any:
        return render_error(error.status, gettext(error.message))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        status = error.code or 500
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            return _crash(error)
        # Only the limiter writes user-facing descriptions; werkzeug's defaults stay generic.
        custom = error.description if status == HTTPStatus.TOO_MANY_REQUESTS else None
        response = make_response(render_error(status, str(custom) if custom else None))
        # Keep the headers the error itself carries (Allow on 405, Retry-After on 429).
        for name, value in error.get_headers():
            if name in {"Allow", "Retry-After"}:
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _crash(error: Exception) -> Any:
        if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
            return render_error(error.code or 500)
        reference = secrets.token_hex(6)
        log.error("Unhandled error, reference %s", reference, exc_info=error)
        return render_error(500, reference=reference)

    _register_unavailable(app, _crash)


def _register_unavailable(app: Flask, app_crash: Callable[[Exception], Any]) -> None:
    """Answer 503 with ``Retry-After`` while the database is locked, full or restarting.

    Blueprints with their own catch-all handler (respondent pages, API, embed) would turn the
    error into a 500 before an app-wide handler is asked, so the handler goes into every
    scope's table, ahead of its catch-all in the exception's class order. Registered after
    the blueprints; what is not transient still goes to the scope's own catch-all.
    """
    for scope, by_code in app.error_handler_spec.items():
        handlers = by_code[None]
        fallback = handlers.get(Exception, app_crash)
        handlers[OperationalError] = _unavailable_handler(scope, fallback)


def _unavailable_handler(scope: str | None, fallback: Callable[[Exception], Any]) -> Any:
    def handle(error: OperationalError) -> Any:
        if not is_transient(error):
            return fallback(error)
        log.warning("Database unavailable, answering 503: %s", error.orig)
        if scope == RESPONDENT_SCOPE:
            response = make_response(_respondent_unavailable())
        else:
            response = make_response(render_error(503, str(UNAVAILABLE_MESSAGE)))
        response.status_code = HTTPStatus.SERVICE_UNAVAILABLE
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response

    return handle


def _respondent_unavailable() -> str:
    # Imported here: the respondent pages import this module (through the decorators).
    from surveyapp.web.public.errors import request_locale  # noqa: PLC0415
    from surveyapp.web.public.rendering import render_message  # noqa: PLC0415

    return render_message(
        request_locale(),
        title=RESPONDENT_UNAVAILABLE_TITLE,
        message=RESPONDENT_UNAVAILABLE,
        link_url=request.path,
        link_text=N_("Open the survey"),
    )
