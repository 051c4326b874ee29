"""Staff read responses: filters, keyset pages, answers worded as the respondent saw them."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from surveyapp.domain.roles import Role
from surveyapp.models import Channel, ResponseStatus
from tests.conftest import AuthActions
from tests.factories import make_published_survey, make_response

ROW_LINK = re.compile(r'href="/responses/(\d+)"')
NEXT_LINK = re.compile(r'href="([^"]+)" rel="next"')
DAY = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)

CountQueries = Callable[[], Any]


@pytest.fixture
def count_queries(connection: Connection) -> CountQueries:
    """``with count_queries() as statements:`` lists the SQL the app ran inside the block."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(*args: Any) -> None:
            statement = args[2]
            # Savepoints are the test isolation's, not the page's.
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                statements.append(statement)

        event.listen(connection, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(connection, "before_cursor_execute", record)

    return counting


def _listed(client: FlaskClient, **params: object) -> list[int]:
    response = client.get("/responses/", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [int(found) for found in ROW_LINK.findall(response.get_data(as_text=True))]


@pytest.fixture
def sample(session: Session) -> dict[str, Any]:
    """Responses that differ in one respect each, plus a voided one that must never show."""
    nps, nps_version = make_published_survey(session, name="After support")
    csat, csat_version = make_published_survey(session, template="csat", name="Order delivered")
    rows = {
        "promoter": make_response(
            session, nps_version, score=10, comment="Quick and friendly", channel=Channel.EMAIL,
            started_at=DAY + timedelta(days=9),
        ),
        "passive": make_response(
            session, nps_version, score=8, locale="de", started_at=DAY + timedelta(days=4)
        ),
        "detractor": make_response(
            session, nps_version, score=3, comment="Viel zu langsam", locale="de",
            channel=Channel.EMAIL, started_at=DAY - timedelta(days=12),
        ),
        "csat_unhappy": make_response(
            session, csat_version, score=2, comment="Box was damaged",
            started_at=DAY + timedelta(days=19),
        ),
        "csat_happy": make_response(
            session, csat_version, score=5, locale="de", channel=Channel.WEB,
            started_at=DAY + timedelta(days=24),
        ),
    }  # fmt: skip
    voided = make_response(session, nps_version, score=10, started_at=DAY + timedelta(days=5))
    voided.status = ResponseStatus.VOIDED
    session.commit()
    return {
        "ids": {name: response.id for name, response in rows.items()},
        "voided": voided.id,
        "nps": nps.id,
        "csat": csat.id,
    }


def test_each_filter_narrows_the_list(
    client: FlaskClient, auth: AuthActions, sample: dict[str, Any]
) -> None:
    auth.login_as(Role.CX_OWNER)  # team-bound roles read their teams' only
    ids = sample["ids"]
    cases: list[tuple[dict[str, object], set[str]]] = [
        ({}, set(ids)),
        ({"survey_id": sample["csat"]}, {"csat_unhappy", "csat_happy"}),
        ({"survey_id": sample["nps"]}, {"promoter", "passive", "detractor"}),
        ({"band": "promoter"}, {"promoter"}),
        ({"band": "passive"}, {"passive"}),
        ({"band": "detractor"}, {"detractor"}),
        ({"band": "unhappy"}, {"detractor", "csat_unhappy"}),
        ({"band": "not_unhappy"}, {"promoter", "passive", "csat_happy"}),
        ({"channel": "email"}, {"promoter", "detractor"}),
        ({"channel": "web"}, {"csat_happy"}),
        ({"channel": "link"}, {"passive", "csat_unhappy"}),
        ({"locale": "de"}, {"passive", "detractor", "csat_happy"}),
        ({"locale": "en"}, {"promoter", "csat_unhappy"}),
        ({"has_comment": "yes"}, {"promoter", "detractor", "csat_unhappy"}),
        ({"has_comment": "no"}, {"passive", "csat_happy"}),
        ({"date_from": "2026-02-05", "date_to": "2026-02-20"},
         {"promoter", "passive", "csat_unhappy"}),
        ({"date_from": "2026-02-20"}, {"csat_unhappy", "csat_happy"}),
        ({"date_to": "2026-02-04"}, {"detractor"}),
        ({"survey_id": sample["nps"], "band": "unhappy", "locale": "de"}, {"detractor"}),
    ]  # fmt: skip
    for params, expected in cases:
        listed = _listed(client, **params)
        assert sample["voided"] not in listed, params
        assert sorted(listed) == sorted(ids[name] for name in expected), params


def test_rows_show_score_band_as_text_and_a_comment_excerpt(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.VIEWER)
    _survey, version = make_published_survey(session)
    make_response(session, version, score=10, comment="Sehr gut! " * 30, locale="de")
    make_response(session, version, score=2, comment="Slow")
    session.commit()
    page = client.get("/responses/").get_data(as_text=True)
    assert "10 · Promoter" in page
    assert "2 · Detractor" in page
    assert "After support" in page
    assert "Sehr gut! " * 12 not in page  # cut after 120 characters
    assert ("Sehr gut! " * 11).strip() in page
    assert "<td>German</td>" in page  # named in the staff member's language


def test_pages_walk_every_response_once_newest_first(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)  # team-bound roles read their teams' only
    _survey, version = make_published_survey(session)
    created = [
        # Pairs share a start time, so the id has to break ties across page boundaries.
        make_response(
            session,
            version,
            score=number % 11,
            locale="de" if number % 2 else "en",
            started_at=DAY - timedelta(minutes=number // 2),
        )
        for number in range(120)
    ]
    session.commit()
    expected = [r.id for r in sorted(created, key=lambda r: (r.started_at, r.id), reverse=True)]

    seen: list[int] = []
    sizes = []
    url: str | None = "/responses/"
    while url is not None:
        page = client.get(url)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        ids = [int(found) for found in ROW_LINK.findall(text)]
        sizes.append(len(ids))
        seen += ids
        if len(sizes) > 1:
            assert "Back to first page" in text
        following = NEXT_LINK.search(text)
        url = html.unescape(following.group(1)) if following else None
    assert sizes == [50, 50, 20]
    assert seen == expected

    german = [r.id for r in created if r.locale == "de"]
    first = client.get("/responses/", query_string={"locale": "de"}).get_data(as_text=True)
    following = NEXT_LINK.search(first)
    assert following
    assert "locale=de" in html.unescape(following.group(1))  # filters ride along
    second = client.get(html.unescape(following.group(1))).get_data(as_text=True)
    walked = [int(found) for found in ROW_LINK.findall(first + second)]
    assert sorted(walked) == sorted(german)
    assert len(walked) == len(set(walked)) == 60


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-13-01"}, "Not a valid date value."),
        ({"date_to": "yesterday"}, "Not a valid date value."),
        ({"date_from": "2026-02-10", "date_to": "2026-02-01"}, "must not be before the start"),
        ({"band": "delighted"}, "Not a valid choice"),
        ({"channel": "fax"}, "Not a valid choice"),
        ({"has_comment": "maybe"}, "Not a valid choice"),
        ({"survey_id": "999999"}, "Not a valid choice"),
        ({"survey_id": "abc"}, "Not a valid choice"),
        ({"cursor": "not-a-cursor"}, "This page link is not valid."),
        ({"cursor": "MjAyNi0wMi0wMVQxMjowMDowMHwx"}, "This page link is not valid."),  # naive time
    ],
)
def test_bad_filter_input_is_refused_with_a_message(
    client: FlaskClient, auth: AuthActions, params: dict[str, str], message: str
) -> None:
    auth.login_as(Role.VIEWER)
    response = client.get("/responses/", query_string=params)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert "<table" not in page


def test_detail_words_answers_in_the_respondents_language(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)  # team-bound roles read their teams' only
    _survey, version = make_published_survey(session, name="Nach dem Support")
    response = make_response(
        session, version, score=3, comment="Die Wartezeit war zu lang.", locale="de"
    )
    response.answers = {**response.answers, "contact": True}
    session.commit()
    page = client.get(f"/responses/{response.id}").get_data(as_text=True)
    assert (
        "Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen weiterempfehlen?"
        in page
    )
    assert "0 = Äußerst unwahrscheinlich" in page
    assert "Was ist schiefgelaufen, und was sollten wir verbessern?" in page
    assert "Die Wartezeit war zu lang." in page
    assert "Möchten Sie, dass wir Sie dazu kontaktieren?" in page
    assert '<p class="mb-0">Yes</p>' in page
    assert "3 · Detractor" in page
    assert "NPS category" in page
    assert "Nach dem Support" in page
    assert "version 1" in page
    assert "Anonymous" in page
    assert "How likely" not in page


def test_detail_of_an_unknown_response_is_not_found(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.VIEWER)
    assert client.get("/responses/999999").status_code == 404


def test_a_viewer_reads_list_and_detail(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    _survey, version = make_published_survey(session, template="ces", name="Returns handled")
    response = make_response(session, version, score=6)
    session.commit()
    auth.login_as(Role.VIEWER)
    assert response.id in _listed(client)
    detail = client.get(f"/responses/{response.id}")
    assert detail.status_code == 200
    assert "6 · Easy" in detail.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, session: Session) -> None:
    _survey, version = make_published_survey(session)
    response = make_response(session, version)
    session.commit()
    for url in ("/responses/", f"/responses/{response.id}", "/responses/?band=promoter"):
        answer = client.get(url)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/login")


def test_list_page_runs_a_fixed_number_of_queries(
    client: FlaskClient, session: Session, auth: AuthActions, count_queries: CountQueries
) -> None:
    auth.login_as(Role.CX_OWNER)  # team-bound roles read their teams' only
    versions = [
        make_published_survey(session, template=template, name=f"Survey {template}")[1]
        for template in ("nps", "csat", "ces")
    ]
    for number in range(5):
        make_response(session, versions[number % 3], score=4, comment="Okay")
    session.commit()
    with count_queries() as few:
        assert len(_listed(client)) == 5
    for number in range(60):
        make_response(session, versions[number % 3], score=5, comment="Fine")
    session.commit()
    with count_queries() as many:
        assert len(_listed(client)) == 50
    assert len(many) == len(few), many
    assert len(many) <= 6, many
