"""API: the OpenAPI document and the server-rendered reference page built from it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import jsonify, render_template, request
from flask.typing import ResponseReturnValue

from surveyapp.web.api.v1 import bp
from surveyapp.web.api.v1.errors import PROBLEM_TYPES
from surveyapp.web.api.v1.openapi import SERVER, build_document

REF_PREFIX = "#/components/schemas/"


@dataclass(frozen=True)
class DocOperation:
    """One operation as the reference page shows it."""

    anchor: str
    method: str
    path: str
    summary: str
    description: str
    scope: str | None
    parameters: list[dict[str, Any]]
    request_schema: str | None
    responses: list[tuple[str, str, str | None]]
    curl: str


@bp.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    """The OpenAPI 3.1 document of this API."""
    return jsonify(build_document())


@bp.get("/docs")
def docs() -> ResponseReturnValue:
    """Every operation with its parameters, schemas and an example call."""
    document = build_document()
    base = request.url_root.rstrip("/") + SERVER
    operations = [
        _describe(path, method, spec, document, base)
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
    ]
    schemas = {
        name: json.dumps(schema, indent=2, ensure_ascii=False)
        for name, schema in document["components"]["schemas"].items()
    }
    return render_template(
        "api/docs.html",
        info=document["info"],
        operations=operations,
        schemas=schemas,
        problems=[(status, kind) for status, kind in sorted(PROBLEM_TYPES.items())],
        rate_limit_headers=document["components"]["headers"],
    )


def _describe(
    path: str, method: str, spec: dict[str, Any], document: dict[str, Any], base: str
) -> DocOperation:
    body = spec.get("requestBody", {}).get("content", {}).get("application/json", {})
    request_schema = _schema_name(body.get("schema"))
    return DocOperation(
        anchor=spec["operationId"],
        method=method.upper(),
        path=SERVER + path,
        summary=spec["summary"],
        description=spec.get("description", ""),
        scope=spec.get("x-required-scope"),
        parameters=spec["parameters"],
        request_schema=request_schema,
        responses=[
            (status, response["description"], _response_schema(response))
            for status, response in spec["responses"].items()
        ],
        curl=_curl(method, base + path, spec, _example(document, request_schema)),
    )


def _schema_name(schema: dict[str, Any] | None) -> str | None:
    ref = (schema or {}).get("$ref", "")
    return ref.removeprefix(REF_PREFIX) if ref.startswith(REF_PREFIX) else None


def _response_schema(response: dict[str, Any]) -> str | None:
    for media in response.get("content", {}).values():
        return _schema_name(media.get("schema"))
    return None


def _example(document: dict[str, Any], schema_name: str | None) -> Any:
    if schema_name is None:
        return None
    schema = document["components"]["schemas"][schema_name]
    if "examples" in schema:
        return schema["examples"][0]
    # A batch: wrap the example of its items.
    items = _schema_name(schema.get("properties", {}).get("items", {}).get("items"))
    return {"items": [_example(document, items)]} if items else None


def _curl(method: str, url: str, spec: dict[str, Any], example: Any) -> str:
    query: dict[str, Any] = {}
    for parameter in spec["parameters"]:
        if parameter["in"] == "path":
            url = url.replace("{" + parameter["name"] + "}", str(parameter["example"]))
        elif "example" in parameter:
            query[parameter["name"]] = parameter["example"]
    if query:
        url += "?" + urlencode(query)
    lines = [f"curl -X {method.upper()} '{url}'", '-H "Authorization: Bearer $SURVEYAPP_API_KEY"']
    if example is not None:
        body = json.dumps(example, indent=2, ensure_ascii=False).replace("'", "'\\''")
        lines += ["-H 'Content-Type: application/json'", f"--data '{body}'"]
    return " \\\n  ".join(lines)
