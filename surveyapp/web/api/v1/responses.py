"""API: reading responses, cursor-paginated and filtered by change time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask.typing import ResponseReturnValue

from surveyapp.services import responses
from surveyapp.services.responses import ResponseFilters
from surveyapp.web.api.v1.auth import requires_scope
from surveyapp.web.api.v1.errors import ApiProblem
from surveyapp.web.api.v1.openapi import PathParameter, operation
from surveyapp.web.api.v1.parsing import json_response, parse_query
from surveyapp.web.api.v1.schemas import PG_INT_MAX, ResponseOut, ResponsePageOut, ResponseQuery
from surveyapp.web.uow import request_session

if TYPE_CHECKING:
    from surveyapp.models import Response


@operation(
    "GET",
    "/responses",
    summary="List responses",
    description=(
        "Responses newest first (by start time), `limit` per page. Follow `next_cursor` until "
        "it is null. To sync, pass the time of your previous run as `since` (write `+` in an "
        "offset as `%2B`, or use `Z`). Scanner-voided responses are never listed."
    ),
    tag="responses",
    query=ResponseQuery,
    responses={200: ("A page of responses.", ResponsePageOut)},
)
@requires_scope("responses:read")
def list_responses() -> ResponseReturnValue:
    """A page of responses."""
    query = parse_query(ResponseQuery)
    page = responses.list_responses(
        request_session(),
        ResponseFilters(since=query.since),
        cursor=query.cursor,
        limit=query.limit,
    )
    items = [_response_out(response) for response in page.items]
    return json_response(ResponsePageOut(items=items, next_cursor=page.next_cursor))


@operation(
    "GET",
    "/responses/<int:response_id>",
    summary="Get one response",
    tag="responses",
    responses={200: ("The response.", ResponseOut)},
    problems=(404,),
    path_parameters={"response_id": PathParameter("The response's id.", "42")},
)
@requires_scope("responses:read")
def get_response(response_id: int) -> ResponseReturnValue:
    """One response by id."""
    if response_id > PG_INT_MAX:  # no stored id is larger; the databases refuse to compare it
        raise ApiProblem(404, "This response does not exist.")
    return json_response(_response_out(responses.get_response(request_session(), response_id)))


def _response_out(response: Response) -> ResponseOut:
    return ResponseOut(
        id=response.id,
        survey_id=response.survey_version.survey_id,
        survey_version=response.survey_version.number,
        channel=response.channel,
        status=response.status,
        locale=response.locale,
        score=response.score,
        nps_category=response.nps_category,
        csat_satisfied=response.csat_satisfied,
        ces_easy=response.ces_easy,
        is_unhappy=response.is_unhappy,
        has_comment=response.has_comment,
        contact_requested=response.contact_requested,
        answers=response.answers,
        started_at=response.started_at,
        updated_at=response.updated_at,
        submitted_at=response.submitted_at,
    )
