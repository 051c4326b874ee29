"""API: the touchpoints integrators post interactions to."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from surveyapp.services import touchpoints
from surveyapp.web.api.v1.auth import requires_scope
from surveyapp.web.api.v1.openapi import operation
from surveyapp.web.api.v1.parsing import json_response
from surveyapp.web.api.v1.schemas import TouchpointListOut, TouchpointOut
from surveyapp.web.uow import request_session


@operation(
    "GET",
    "/touchpoints",
    summary="List touchpoints",
    description="Every touchpoint by key; post interactions with one of these keys.",
    tag="touchpoints",
    responses={200: ("All touchpoints.", TouchpointListOut)},
)
@requires_scope("touchpoints:read")
def list_touchpoints() -> ResponseReturnValue:
    """All touchpoints."""
    items = [
        TouchpointOut(
            key=touchpoint.key,
            name=touchpoint.name,
            description=touchpoint.description,
            stage=touchpoint.stage.key if touchpoint.stage else None,
        )
        for touchpoint in touchpoints.list_touchpoints(request_session())
    ]
    return json_response(TouchpointListOut(items=items))
