"""The web layer: blueprints, forms and views; each view calls one service."""

from __future__ import annotations

from flask import Flask

from surveyapp.extensions import csrf, limiter
from surveyapp.web import (
    admin,
    auth,
    cases,
    contacts,
    dispatch,
    embed,
    health,
    home,
    outbox,
    public,
    report_files,
    reports,
    responses,
    sections,
    sites,
    surveys,
    touchpoints,
)
from surveyapp.web.api import v1 as api_v1
from surveyapp.web.navigation import init_navigation
from surveyapp.web.uow import init_request_session


def register_blueprints(app: Flask) -> None:
    """Register every blueprint, listed explicitly."""
    init_request_session(app)
    init_navigation(app)
    # Probes come every few seconds from load balancers; they are never rate limited.
    limiter.exempt(health.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(surveys.bp)
    app.register_blueprint(responses.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(report_files.bp)
    app.register_blueprint(contacts.bp)
    app.register_blueprint(touchpoints.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(cases.answer_bp)
    app.register_blueprint(dispatch.bp)
    app.register_blueprint(outbox.bp)
    app.register_blueprint(sites.bp)
    app.register_blueprint(public.bp)
    # The website widget sends no cookies: its calls name a public site key and are admitted by
    # origin; its frame is admitted by the invitation token in its address. No CSRF token.
    csrf.exempt(embed.bp)
    csrf.exempt(embed.frame_bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(embed.frame_bp)
    # Integrators authenticate with API keys, never with the session cookie: no CSRF token.
    csrf.exempt(api_v1.bp)
    app.register_blueprint(api_v1.bp)
    for blueprint in sections.blueprints:
        app.register_blueprint(blueprint)
