"""The operation registry of /api/v1 and the OpenAPI 3.1 document generated from it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

from surveyapp.web.api.v1 import bp
from surveyapp.web.api.v1.auth import SCOPE_ATTRIBUTE
from surveyapp.web.api.v1.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES
from surveyapp.web.api.v1.schemas import PG_INT_MAX, Problem

F = TypeVar("F", bound=Callable[..., Any])

REF = "#/components/schemas/{model}"
SERVER = "/api/v1"
_PATH_ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")
_CONVERTER_SCHEMAS = {"int": {"type": "integer", "minimum": 0, "maximum": PG_INT_MAX}}
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "Requests the key may make in the current window.",
    "X-RateLimit-Remaining": "Requests left in the current window.",
    "X-RateLimit-Reset": "When the window resets (Unix time, seconds).",
    "Retry-After": "Seconds until the window resets.",
}
API_DESCRIPTION = """\
Post your customers' interactions, keep contacts and consent in sync, and read responses.

Authenticate every call with an API key from Administration → API keys:
`Authorization: Bearer <key>`. Each operation needs one scope of the key.
Bodies are JSON (`Content-Type: application/json`); times are ISO 8601 with an offset
and are returned in UTC (`Z`). Errors are RFC 9457 problem documents
(`application/problem+json`) with field-level messages in `errors`.

Idempotency: an interaction is identified by its `id` (your system's id of the event);
posting it again, alone or in a batch, stores nothing new and answers `existing`, so
retries are safe without an `Idempotency-Key` header. Contact upserts are idempotent by
nature. Consent events are appended to a ledger: a retried event adds a duplicate entry
that does not change the outcome.

Each key may make a limited number of requests per window across all operations;
`X-RateLimit-*` headers show the budget and 429 answers carry `Retry-After`.
"""


@dataclass(frozen=True)
class PathParameter:
    """A documented part of the URL path."""

    description: str
    example: str


@dataclass(frozen=True)
class Operation:
    """One documented API operation, as the ``operation`` decorator registered it."""

    endpoint: str
    method: str
    rule: str
    summary: str
    description: str
    tag: str
    scope: str | None
    responses: Mapping[int, tuple[str, type[BaseModel]]]
    request: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    problems: tuple[int, ...] = ()
    path_parameters: Mapping[str, PathParameter] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The OpenAPI path template (``/contacts/{external_id}``)."""
        return _PATH_ARGUMENT.sub(r"{\2}", self.rule)

    @property
    def problem_statuses(self) -> list[int]:
        """Every error status the operation can answer with."""
        statuses = set(self.problems)
        if self.scope:
            statuses |= {401, 403, 429}
        if self.request:
            statuses |= {400, 413, 415, 422}
        if self.query:
            statuses.add(422)
        return sorted(statuses)


OPERATIONS: list[Operation] = []


def operation(
    method: str,
    rule: str,
    *,
    summary: str,
    tag: str,
    responses: Mapping[int, tuple[str, type[BaseModel]]],
    description: str = "",
    request: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    problems: tuple[int, ...] = (),
    path_parameters: Mapping[str, PathParameter] | None = None,
) -> Callable[[F], F]:
    """Route ``rule`` to the view and document it; put it above ``@requires_scope``."""

    def decorate(view: F) -> F:
        bp.add_url_rule(rule, view_func=view, methods=[method])
        OPERATIONS.append(
            Operation(
                endpoint=view.__name__,
                method=method.lower(),
                rule=rule,
                summary=summary,
                description=description,
                tag=tag,
                scope=getattr(view, SCOPE_ATTRIBUTE, None),
                responses=responses,
                request=request,
                query=query,
                problems=problems,
                path_parameters=path_parameters or {},
            )
        )
        return view

    return decorate


@cache
def build_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every registered operation (built once per process)."""
    schemas: dict[str, Any] = {}
    _add_schema(schemas, Problem, "serialization")
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation_object(op, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "surveyapp integrator API",
            "version": "1",
            "description": API_DESCRIPTION,
        },
        "servers": [{"url": SERVER}],
        "tags": [{"name": tag} for tag in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key created by an admin; it is shown once.",
                }
            },
            "headers": {
                name: {"description": text, "schema": {"type": "integer"}}
                for name, text in RATE_LIMIT_HEADERS.items()
            },
        },
    }


def _operation_object(op: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _path_parameters(op) + _query_parameters(op),
        "responses": {},
    }
    if op.description:
        result["description"] = op.description
    if op.scope:
        result["security"] = [{"apiKey": [op.scope]}]
        result["x-required-scope"] = op.scope
    if op.request is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(schemas, op.request, "validation")}},
        }
    limited = {"headers": _header_refs()} if op.scope else {}
    for status, (text, model) in sorted(op.responses.items()):
        result["responses"][str(status)] = {
            "description": text,
            **limited,
            "content": {"application/json": {"schema": _ref(schemas, model, "serialization")}},
        }
    for status in op.problem_statuses:
        headers = limited if status not in (401, 403) else {}
        result["responses"][str(status)] = {
            "description": PROBLEM_TYPES[status].meaning,
            **headers,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": REF.format(model="Problem")}}},
        }
    return result


def _path_parameters(op: Operation) -> list[dict[str, Any]]:
    parameters = []
    for converter, name in _PATH_ARGUMENT.findall(op.rule):
        documented = op.path_parameters[name]
        parameters.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": documented.description,
                "schema": _CONVERTER_SCHEMAS.get(converter, {"type": "string"}),
                "example": documented.example,
            }
        )
    return parameters


def _query_parameters(op: Operation) -> list[dict[str, Any]]:
    if op.query is None:
        return []
    schema = op.query.model_json_schema(ref_template=REF, mode="validation")
    required = set(schema.get("required", ()))
    example = schema.get("examples", [{}])[0]
    parameters = []
    for name, prop in schema["properties"].items():
        parameter = {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": prop.get("description", ""),
            "schema": {key: value for key, value in prop.items() if key != "description"},
        }
        if name in example:
            parameter["example"] = example[name]
        parameters.append(parameter)
    return parameters


def _header_refs() -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS}


def _ref(schemas: dict[str, Any], model: type[BaseModel], mode: str) -> dict[str, str]:
    _add_schema(schemas, model, mode)
    return {"$ref": REF.format(model=model.__name__)}


def _add_schema(schemas: dict[str, Any], model: type[BaseModel], mode: str) -> None:
    schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
    nested = schema.pop("$defs", {})
    for name, definition in {**nested, model.__name__: schema}.items():
        # Request and response models are distinct classes, so one name has one schema.
        if schemas.setdefault(name, definition) != definition:
            raise ValueError(f"two different schemas are both named {name}")
