"""API fixtures: keys, a scenario with a touchpoint and a rule, and a client that checks every
answer against the OpenAPI document (status documented, media type, body schema, headers)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentChannel, ConsentPolicy
from surveyapp.domain.roles import Role
from surveyapp.models import Survey, Touchpoint, TriggerRule, User
from surveyapp.services import api_keys, consent, touchpoints, trigger_rules
from surveyapp.services.api_keys import SCOPES
from surveyapp.services.trigger_rules import RuleSettings
from surveyapp.web.api.v1.openapi import SERVER, build_document
from tests.factories import make_published_survey, make_user

DOCUMENT_URI = "urn:surveyapp:openapi"


def _path_pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + SERVER + re.sub(r"\{\w+\}", "[^/]+", template) + "$")


class DocumentChecker:
    """Validates real responses against the schemas of the generated OpenAPI document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(DOCUMENT_URI, resource)
        self.paths = [(_path_pattern(t), spec) for t, spec in document["paths"].items()]

    def check(self, method: str, path: str, response: TestResponse) -> None:
        spec = next((s for pattern, s in self.paths if pattern.match(path)), None)
        assert spec is not None, f"{path} is not in the OpenAPI document"
        operation = spec[method.lower()]
        status = str(response.status_code)
        documented = operation["responses"]
        assert status in documented, f"{method} {path} answered {status}, not documented"
        content = documented[status]["content"]
        assert response.mimetype in content, f"{response.mimetype} not documented for {status}"
        schema = {"$ref": DOCUMENT_URI + content[response.mimetype]["schema"]["$ref"]}
        validator = Draft202012Validator(
            schema, registry=self.registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        validator.validate(response.get_json())
        for header in documented[status].get("headers", {}):
            assert header in response.headers, f"{header} missing on {method} {path} {status}"


@pytest.fixture(scope="session")
def checker() -> DocumentChecker:
    return DocumentChecker(build_document())


class ApiClient:
    """Sends requests with an API key; every answer must match the OpenAPI document."""

    def __init__(self, client: FlaskClient, checker: DocumentChecker, secret: str | None) -> None:
        self.client = client
        self.checker = checker
        self.secret = secret

    def open(
        self, method: str, path: str, *, key: str | None = "default", **kwargs: Any
    ) -> TestResponse:
        headers = dict(kwargs.pop("headers", {}))
        secret = self.secret if key == "default" else key
        if secret is not None:
            headers.setdefault("Authorization", f"Bearer {secret}")
        response = self.client.open(SERVER + path, method=method, headers=headers, **kwargs)
        self.checker.check(method, SERVER + path.split("?", 1)[0], response)
        return response

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open("PUT", path, **kwargs)


@dataclass
class Keys:
    """Creates API keys (committed, so the app sees them)."""

    session: Session
    clock: FixedClock
    admin: User

    def create(self, scopes: Iterable[str] = SCOPES, name: str = "Integration") -> str:
        created = api_keys.create_key(
            self.session, name=name, scopes=scopes, clock=self.clock, actor=self.admin
        )
        self.session.commit()
        return created.secret


@pytest.fixture
def keys(session: Session, clock: FixedClock) -> Keys:
    return Keys(session, clock, make_user(session, role=Role.ADMIN))


@pytest.fixture
def api(client: FlaskClient, checker: DocumentChecker, keys: Keys) -> ApiClient:
    """A client with a key holding every scope."""
    return ApiClient(client, checker, keys.create())


@dataclass(frozen=True)
class Scenario:
    """A touchpoint whose rule sends the published survey by email an hour later."""

    touchpoint: Touchpoint
    survey: Survey
    rule: TriggerRule


@pytest.fixture
def scenario(session: Session, clock: FixedClock, keys: Keys) -> Scenario:
    survey, _version = make_published_survey(session, actor=keys.admin)
    touchpoint = touchpoints.create_touchpoint(
        session, key="support.ticket_closed", name="Ticket closed", clock=clock, actor=keys.admin
    )
    rule = trigger_rules.save_rule(
        session,
        RuleSettings(name="After support", touchpoint_id=touchpoint.id, survey_id=survey.id),
        clock=clock,
        actor=keys.admin,
    )
    consent.set_policy(
        session, ConsentChannel.EMAIL, ConsentPolicy.OPT_OUT, clock=clock, actor=keys.admin
    )
    session.commit()
    return Scenario(touchpoint, survey, rule)


def interaction(number: int = 1, **fields: Any) -> dict[str, Any]:
    """A valid interaction body for the scenario's touchpoint."""
    return {
        "id": f"ticket-{number}-closed",
        "touchpoint": "support.ticket_closed",
        "occurred_at": "2026-03-02T08:30:00Z",
        "contact": {"external_id": f"C-{number}", "email": f"customer{number}@example.com"},
        **fields,
    }


def at(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601 text."""
    return datetime.fromisoformat(text).astimezone(UTC)
