"""The route catalogue: every rule of ``app.url_map`` classified, for the security walks.

Each endpoint is named here on purpose: ``tests/security/test_route_access.py`` fails when the
app has an endpoint this catalogue does not know, or when a staff view's guard no longer names
the section written here. For staff rules the admitted roles are read from the views' guards
(``web/decorators.py``: ``@staff_view(section)`` and ``@changes_need(roles)``); for API rules
the scope is read from ``@requires_scope``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask import Flask
from werkzeug.routing import Rule

from surveyapp.domain.roles import SECTION_ROLES, Role
from surveyapp.web.api.v1.auth import SCOPE_ATTRIBUTE
from surveyapp.web.decorators import ACTION_ROLES_ATTRIBUTE, SECTION_ATTRIBUTE


class Kind(StrEnum):
    """Who a route serves, which decides how it must be guarded."""

    STAFF = "staff"  # signed-in staff, by role (@staff_view)
    RESPONDENT = "respondent"  # customers through a token link: no sign-in, CSRF + Origin
    EMBED = "embed"  # the website widget: no cookies, per-site Origin check
    API = "api"  # integrators: API key with a scope
    STATIC = "static"  # files under static/
    HEALTH = "health"  # load-balancer probe
    AUTH = "auth"  # what an anonymous visitor needs to sign in


# Every endpoint that is not a staff view, by kind.
OPEN_ENDPOINTS: dict[str, Kind] = {
    "static": Kind.STATIC,
    "health.healthz": Kind.HEALTH,
    "auth.login": Kind.AUTH,
    "auth.language": Kind.AUTH,
    "public.link": Kind.RESPONDENT,
    "public.invitation": Kind.RESPONDENT,
    "public.provisional": Kind.RESPONDENT,
    "public.trap": Kind.RESPONDENT,
    "public.preference_centre": Kind.RESPONDENT,
    "public.preference_change": Kind.RESPONDENT,
    "public.one_click_unsubscribe": Kind.RESPONDENT,
    "case_answers.question": Kind.RESPONDENT,
    "case_answers.answer": Kind.RESPONDENT,
    "embed.eligibility_check": Kind.EMBED,
    "embed.show": Kind.EMBED,
    "embed.dismiss": Kind.EMBED,
    "embed_frame.frame": Kind.EMBED,
    "embed_frame.consent": Kind.EMBED,
    "embed_frame.theme": Kind.EMBED,
    "api_v1.docs": Kind.API,
    "api_v1.openapi_document": Kind.API,
    "api_v1.upsert_contact": Kind.API,
    "api_v1.record_consent": Kind.API,
    "api_v1.report_delivery": Kind.API,
    "api_v1.post_interaction": Kind.API,
    "api_v1.post_interaction_batch": Kind.API,
    "api_v1.list_responses": Kind.API,
    "api_v1.get_response": Kind.API,
    "api_v1.list_touchpoints": Kind.API,
}
# The API's own description is public (integrators read it before they have a key).
KEYLESS_API_ENDPOINTS = frozenset({"api_v1.docs", "api_v1.openapi_document"})
# The RFC 8058 one-click unsubscribe: mail clients POST it without a token (the one exception).
CSRF_EXEMPT_RESPONDENT_ENDPOINTS = frozenset({"public.one_click_unsubscribe"})

# Every staff endpoint and the section its guard must name.
STAFF_SECTIONS: dict[str, str] = {
    **dict.fromkeys(
        (
            "admin.api_keys_list",
            "admin.api_keys_revoke",
            "admin.audit_log",
            "admin.retention_settings",
            "admin.teams_list",
            "admin.user_create",
            "admin.user_edit",
            "admin.user_reset_password",
            "admin.users_list",
            "contacts.erase",
        ),
        "admin",
    ),
    **dict.fromkeys(
        (
            "cases.assign",
            "cases.bulk_assign",
            "cases.checklist",
            "cases.decide_goodwill",
            "cases.index",
            "cases.kudos_index",
            "cases.message",
            "cases.new_playbook",
            "cases.note",
            "cases.notifications",
            "cases.playbook",
            "cases.playbooks_index",
            "cases.record_goodwill",
            "cases.recovery",
            "cases.resolve",
            "cases.root_cause_edit",
            "cases.root_causes",
            "cases.root_causes_index",
            "cases.rule",
            "cases.settings_index",
            "cases.show",
            "cases.status",
            "cases.team_settings",
        ),
        "cases",
    ),
    **dict.fromkeys(
        (
            "contacts.consent_settings",
            "contacts.detail",
            "contacts.export",
            "contacts.import_file",
            "contacts.index",
            "contacts.record_consent",
            "contacts.save_consent_text",
        ),
        "contacts",
    ),
    **dict.fromkeys(
        (
            "dispatch.dead_letters",
            "dispatch.index",
            "dispatch.invitation",
            "dispatch.release_reminders",
            "dispatch.replay",
            "outbox.html_part",
            "outbox.index",
            "outbox.message",
        ),
        "dispatch",
    ),
    **dict.fromkeys(
        (
            "auth.account",
            "auth.change_password",
            "auth.logout",
            "home.index",
        ),
        "home",
    ),
    **dict.fromkeys(
        (
            "report_files.export_csv",
            "report_files.export_jsonl",
            "report_files.pdf",
            "report_files.subscriptions_end",
            "report_files.subscriptions_index",
            "reports.drilldown",
            "reports.improvements_page",
            "reports.index",
            "reports.journey_page",
            "reports.review_page",
        ),
        "reports",
    ),
    **dict.fromkeys(
        (
            "responses.detail",
            "responses.index",
        ),
        "responses",
    ),
    **dict.fromkeys(
        (
            "sites.create",
            "sites.edit",
            "sites.index",
            "sites.reveal",
            "sites.rotate",
            "sites.show",
        ),
        "sites",
    ),
    **dict.fromkeys(
        (
            "surveys.archive",
            "surveys.create",
            "surveys.create_test_link",
            "surveys.index",
            "surveys.preview",
            "surveys.publish",
            "surveys.question_edit",
            "surveys.question_move",
            "surveys.question_new",
            "surveys.question_remove",
            "surveys.restore",
            "surveys.settings",
            "surveys.show",
        ),
        "surveys",
    ),
    **dict.fromkeys(
        (
            "touchpoints.create",
            "touchpoints.index",
            "touchpoints.interaction",
            "touchpoints.rule_create",
            "touchpoints.rule_dry_run",
            "touchpoints.rule_edit",
            "touchpoints.rule_segments",
            "touchpoints.show",
            "touchpoints.stage_move",
            "touchpoints.stage_rename",
            "touchpoints.stages",
        ),
        "touchpoints",
    ),
}

# Methods every rule answers by itself (werkzeug adds them); never a view of their own.
IMPLICIT_METHODS = frozenset({"HEAD", "OPTIONS"})
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Route:
    """One method of one rule, classified."""

    rule: Rule
    method: str
    kind: Kind
    section: str | None = None  # staff rules: the section their guard names
    allowed: frozenset[Role] = frozenset()  # staff rules: the roles admitted for this method
    scope: str | None = None  # API rules: the scope the key needs (None: no key needed)

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint

    @property
    def changes(self) -> bool:
        return self.method in CHANGING_METHODS

    def __str__(self) -> str:
        return f"{self.method} {self.rule.rule} ({self.rule.endpoint})"


def unknown_endpoints(app: Flask) -> list[str]:
    """Endpoints of the app that the catalogue does not classify."""
    known = OPEN_ENDPOINTS.keys() | STAFF_SECTIONS.keys()
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()} - known)


def stale_endpoints(app: Flask) -> list[str]:
    """Catalogue entries the app no longer has (a renamed view would leave one behind)."""
    present = {rule.endpoint for rule in app.url_map.iter_rules()}
    return sorted((OPEN_ENDPOINTS.keys() | STAFF_SECTIONS.keys()) - present)


def catalogue(app: Flask) -> list[Route]:
    """Every method of every rule, classified; ``KeyError`` names an uncatalogued endpoint."""
    return [
        _classify(app, rule, method)
        for rule in app.url_map.iter_rules()
        for method in sorted((rule.methods or set()) - IMPLICIT_METHODS)
    ]


def routes_of(app: Flask, kind: Kind) -> list[Route]:
    """The catalogue's routes of one kind."""
    return [route for route in catalogue(app) if route.kind == kind]


def _classify(app: Flask, rule: Rule, method: str) -> Route:
    view = app.view_functions[rule.endpoint]
    if rule.endpoint in STAFF_SECTIONS:
        section = STAFF_SECTIONS[rule.endpoint]
        allowed = SECTION_ROLES[section]
        if method in CHANGING_METHODS:  # a change: the view may narrow the section's roles
            allowed = getattr(view, ACTION_ROLES_ATTRIBUTE, allowed)
        return Route(rule, method, Kind.STAFF, section=section, allowed=allowed)
    kind = OPEN_ENDPOINTS[rule.endpoint]
    return Route(rule, method, kind, scope=getattr(view, SCOPE_ATTRIBUTE, None))


def guard_section(app: Flask, endpoint: str) -> str | None:
    """The section the view's ``@staff_view`` guard names (``None``: no guard)."""
    return getattr(app.view_functions[endpoint], SECTION_ATTRIBUTE, None)


def url_for_route(route: Route, values: dict[str, object]) -> str:
    """The route's URL with ``values`` for its arguments (every argument must have one)."""
    missing = set(route.rule.arguments) - set(values)
    assert not missing, f"add a seeded value for {sorted(missing)} of {route.rule.rule}"
    return route.rule.build({name: values[name] for name in route.rule.arguments})[1]
