"""Choosing the language and time zone of each request."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user

from surveyapp.runtime import get_runtime

LOCALE_SESSION_KEY = "locale"
LOCALE_NAMES = {"en": "English", "de": "Deutsch"}


def select_locale() -> str | None:
    """The signed-in user's choice, else the choice kept in the session, else the browser's."""
    supported = current_app.config["SUPPORTED_LOCALES"]
    if current_user.is_authenticated and current_user.locale in supported:
        return str(current_user.locale)
    chosen = session.get(LOCALE_SESSION_KEY)
    if chosen in supported:
        return str(chosen)
    return request.accept_languages.best_match(supported) or get_runtime().config.default_locale


def select_timezone() -> str:
    """Staff see times in the installation's default time zone."""
    return get_runtime().config.default_timezone
