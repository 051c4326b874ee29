"""Error pages and problem details that explain the problem and never leak internals."""

from __future__ import annotations

import logging
import secrets
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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
