"""The application factory."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import PROJECT_ROOT, SUPPORTED_LOCALES, Config
from surveyapp.cli import register_cli
from surveyapp.domain.clock import Clock, SystemClock
from surveyapp.extensions import babel, csrf, limiter, login_manager
from surveyapp.runtime import EXTENSION_KEY, Runtime
from surveyapp.services._db import make_engine, make_session_factory
from surveyapp.web import register_blueprints
from surveyapp.web.errors import register_error_handlers
from surveyapp.web.i18n import select_locale, select_timezone
from surveyapp.web.login import init_login
from surveyapp.web.security import install_security_headers
from surveyapp.web.sessions import CookieSessionInterface

TRANSLATIONS_DIR = PROJECT_ROOT / "surveyapp" / "translations"


def create_app(config: Config | None = None, *, clock: Clock | None = None) -> Flask:
    """Build a configured app; never migrates, starts the scheduler or talks to the network."""
    settings = (config or Config.from_env()).resolved()
    settings.validate()
    app = Flask(
        "surveyapp",
        root_path=str(PROJECT_ROOT / "surveyapp"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(settings.instance_path),
    )
    _load_config(app, settings)
    _init_logging(settings)
    _init_database(app, settings, clock or SystemClock())
    app.session_interface = CookieSessionInterface()
    _init_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    install_security_headers(app)
    register_cli(app)
    _trust_proxies(app, settings.proxy_hops)
    return app


def _trust_proxies(app: Flask, hops: int) -> None:
    """Read the client's address and scheme from the ``hops`` trusted proxies in front.

    Not the host: a proxy that does not set ``X-Forwarded-Host`` would pass on the client's.
    """
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _load_config(app: Flask, settings: Config) -> None:
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        MAX_FORM_MEMORY_SIZE=settings.max_content_length,
        SESSION_COOKIE_NAME="surveyapp_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_DURATION=timedelta(days=settings.remember_me_days),
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead, so a long form never expires
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_DEFAULT_TIMEZONE=settings.default_timezone,
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR),
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_url,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_ENABLED=settings.ratelimit_enabled,
        SUPPORTED_LOCALES=SUPPORTED_LOCALES,
    )
    if settings.base_url:
        app.config["PREFERRED_URL_SCHEME"] = settings.base_url.split("://", 1)[0]


def _init_logging(settings: Config) -> None:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("surveyapp").setLevel(settings.log_level)
    # APScheduler logs every run at INFO; our jobs log their own one-line summaries.
    logging.getLogger("apscheduler").setLevel(
        max(logging.WARNING, logging.getLevelName(settings.log_level))
    )


def _init_database(app: Flask, settings: Config, clock: Clock) -> None:
    if settings.database_url is None:
        raise ValueError("create_app needs a resolved Config (Config.resolved() sets the URL)")
    engine = make_engine(settings.database_url)
    app.extensions[EXTENSION_KEY] = Runtime(
        config=settings, engine=engine, session_factory=make_session_factory(engine), clock=clock
    )


def _init_extensions(app: Flask) -> None:
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    init_login(app, login_manager)
