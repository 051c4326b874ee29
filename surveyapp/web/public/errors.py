"""Error pages of the respondent pages: short, in the respondent's language, no staff chrome."""

from __future__ import annotations

import logging
import secrets
from http import HTTPStatus

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from surveyapp.domain.i18n import N_
from surveyapp.runtime import get_runtime
from surveyapp.services.errors import ServiceError
from surveyapp.web.public import bp
from surveyapp.web.public.origin import ForeignOrigin, refuse_foreign_origin
from surveyapp.web.public.rendering import render_message

log = logging.getLogger(__name__)

TITLES = {
    400: N_("Something went wrong"),
    404: N_("This link is not valid"),
    405: N_("Something went wrong"),
    409: N_("This was changed in the meantime"),
    410: N_("This survey has closed"),
    422: N_("Please check your answers"),
    429: N_("Too many requests"),
    500: N_("Something went wrong on our side"),
}
MESSAGES = {
    400: N_("The request could not be understood. Please open the survey link again."),
    404: N_("Please check that you opened the complete link from your invitation."),
    405: N_("The request could not be understood. Please open the survey link again."),
    409: N_("Please open the survey link again."),
    410: N_("Thank you for your interest. This survey no longer accepts answers."),
    422: N_("Some answers were not accepted."),
    429: N_("Too many answers came from your network in a short time. Please wait a minute."),
    500: N_("The error was logged. If it happens again, please mention this reference:"),
}
# Keeps the words "security token": the same explanation as on the staff pages.
CSRF_MESSAGE = N_(
    "The page's security token was missing or has expired, so nothing was saved. "
    "Please reload the page and answer again."
)
ORIGIN_TITLE = N_("This answer came from another website")
ORIGIN_MESSAGE = N_(
    "For your safety, answers are accepted only from this survey's own page, so nothing was "
    "saved. Please open the link from your invitation and answer there."
)


def request_locale() -> str:
    """The language of a page without a survey: ``?lang=``, else the browser's."""
    supported = current_app.config["SUPPORTED_LOCALES"]
    wanted = request.args.get("lang")
    if wanted in supported:
        return str(wanted)
    browser = request.accept_languages.best_match(supported)
    return browser or get_runtime().config.default_locale


def _page(status: int, message: str | None = None, **extra: str) -> ResponseReturnValue:
    fallback = HTTPStatus.BAD_REQUEST if status < HTTPStatus.INTERNAL_SERVER_ERROR else 500
    title = TITLES.get(status, TITLES[fallback])
    text = message or MESSAGES.get(status, MESSAGES[fallback])
    return render_message(request_locale(), title=title, message=text, **extra), status


def _csrf(_error: CSRFError) -> ResponseReturnValue:
    return _page(HTTPStatus.BAD_REQUEST, CSRF_MESSAGE)


def _foreign_origin(_error: ForeignOrigin) -> ResponseReturnValue:
    page = render_message(request_locale(), title=ORIGIN_TITLE, message=ORIGIN_MESSAGE)
    return page, HTTPStatus.FORBIDDEN


def _service(error: ServiceError) -> ResponseReturnValue:
    if error.status in {HTTPStatus.NOT_FOUND, HTTPStatus.GONE}:
        return _page(error.status)  # the title says what the service message says
    return _page(error.status, error.message)


def _http(error: HTTPException) -> ResponseReturnValue:
    status = error.code or HTTPStatus.INTERNAL_SERVER_ERROR
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return _crash(error)
    return _page(status)


def _crash(error: Exception) -> ResponseReturnValue:
    reference = secrets.token_hex(6)
    log.error("Unhandled error on a respondent page, reference %s", reference, exc_info=error)
    return _page(HTTPStatus.INTERNAL_SERVER_ERROR, reference=reference)


def register_respondent_errors(blueprint: Blueprint) -> None:
    """Answer the errors of ``blueprint``'s views with the respondent pages, not staff ones.

    Also refuses posts to ``blueprint`` sent from another website (``public/origin.py``).
    """
    blueprint.before_request(refuse_foreign_origin)
    blueprint.register_error_handler(ForeignOrigin, _foreign_origin)
    blueprint.register_error_handler(CSRFError, _csrf)
    blueprint.register_error_handler(ServiceError, _service)
    blueprint.register_error_handler(HTTPException, _http)
    blueprint.register_error_handler(Exception, _crash)


register_respondent_errors(bp)
