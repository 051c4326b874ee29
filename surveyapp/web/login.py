"""Flask-Login wiring: loading the signed-in user from the request session."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from surveyapp.models import User
from surveyapp.services import auth
from surveyapp.web.uow import request_session


def init_login(app: Flask, login_manager: LoginManager) -> None:
    """Configure where anonymous staff are sent and how users are loaded."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader  # type: ignore[untyped-decorator]  # Flask-Login is untyped
    def _load_user(user_id: str) -> User | None:
        return auth.find_active_user(request_session(), user_id)
