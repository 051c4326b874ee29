"""Integrators read responses page by page and sync the ones changed since their last run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from surveyapp.models import Response, ResponseStatus
from surveyapp.services import responses
from surveyapp.services.responses import ResponseFilters
from tests.api.conftest import ApiClient
from tests.factories import make_published_survey, make_response

START = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def _responses(session: Session, count: int) -> list[Response]:
    _survey, version = make_published_survey(session)
    made = [
        make_response(session, version, score=n % 11, started_at=START + timedelta(hours=n))
        for n in range(count)
    ]
    session.commit()
    return made


def test_cursor_walks_every_page_newest_first(api: ApiClient, session: Session) -> None:
    made = _responses(session, 7)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = api.get("/responses" + query).get_json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [r.id for r in reversed(made)]


def test_a_response_in_full(api: ApiClient, session: Session) -> None:
    [made] = _responses(session, 1)
    made.answers = {**made.answers, "comment": "Quick and friendly"}
    session.commit()
    body = api.get(f"/responses/{made.id}").get_json()
    assert body["id"] == made.id
    assert body["survey_id"] == made.survey_version.survey_id
    assert body["survey_version"] == made.survey_version.number
    assert body["score"] == 0
    assert body["nps_category"] == "detractor"
    assert body["is_unhappy"] is True
    assert body["answers"]["comment"] == "Quick and friendly"
    assert body["started_at"] == "2026-02-01T12:00:00Z"
    assert body["submitted_at"] == "2026-02-01T12:00:00Z"
    listed = api.get("/responses").get_json()["items"]
    assert listed == [body]


def test_an_unknown_response_is_404(api: ApiClient) -> None:
    response = api.get("/responses/999999")
    assert response.status_code == 404
    assert response.get_json()["detail"] == "This response does not exist."


def test_since_keeps_responses_started_or_changed_from_then(
    api: ApiClient, session: Session
) -> None:
    made = _responses(session, 4)
    made[0].updated_at = START + timedelta(days=3)  # an old response, completed later
    made[0].status = ResponseStatus.COMPLETE
    session.commit()
    since = (START + timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    ids = [item["id"] for item in api.get(f"/responses?since={since}").get_json()["items"]]
    assert ids == [made[3].id, made[2].id, made[0].id]
    offset = api.get("/responses?since=2026-02-01T15:00:00%2B01:00").get_json()["items"]
    assert [item["id"] for item in offset] == [made[3].id, made[2].id, made[0].id]
    page = responses.list_responses(session, ResponseFilters(since=START + timedelta(days=3)))
    assert [r.id for r in page.items] == [made[0].id]


def test_bad_query_parameters_are_422(api: ApiClient, session: Session) -> None:
    cases = {
        "?since=2026-02-01T12:00:00": "since",  # no offset
        "?since=yesterday": "since",
        "?limit=0": "limit",
        "?limit=101": "limit",
        "?cursor=garbage": "cursor",
        "?sinse=2026-02-01T12:00:00Z": "sinse",
    }
    for query, field in cases.items():
        response = api.get("/responses" + query)
        assert response.status_code == 422, query
        assert [e["field"] for e in response.get_json()["errors"]] == [field], query
