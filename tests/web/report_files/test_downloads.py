"""Downloading the dashboard's data: the PDF report, CSV and JSON lines, with the filters."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.services.reporting.rollups import refresh_rollups
from tests.conftest import AuthActions
from tests.factories import (
    answer_invitation,
    make_case_setup,
    make_published_survey,
    make_response,
    make_team,
)

FEBRUARY = "date_from=2026-02-01&date_to=2026-02-28"


def _seed(session: Session, *, survey_name: str = "After support") -> None:
    _survey, version = make_published_survey(session, name=survey_name)
    at = datetime(2026, 2, 10, 12, tzinfo=UTC)
    make_response(session, version, score=3, comment='=HYPERLINK("http://x")', started_at=at)
    make_response(session, version, score=10, comment="Größte Freude", started_at=at)
    make_response(session, version, score=9, started_at=datetime(2026, 3, 1, 12, tzinfo=UTC))
    session.commit()


def test_csv_export_starts_with_a_bom_and_neutralises_formulas(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    _seed(session, survey_name="=1+2")
    auth.login_as(Role.CX_OWNER)

    response = client.get(f"/reports/export.csv?{FEBRUARY}")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        'filename="responses-2026-02-01-to-2026-02-28.csv"'
        in (response.headers["Content-Disposition"])
    )
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row["score"] for row in rows] == ["3", "10"]  # March is outside the filter
    assert rows[0]["nps_category"] == "detractor"
    assert json.loads(rows[1]["answers"])["liked"] == "Größte Freude"
    # A cell that starts like a formula is written as text, with a leading apostrophe.
    assert rows[0]["survey"] == "'=1+2"
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())


def test_jsonl_export_has_one_object_per_response(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    _seed(session)
    auth.login_as(Role.ADMIN)

    response = client.get(f"/reports/export.jsonl?{FEBRUARY}&channel=link")

    assert response.status_code == 200
    lines = response.get_data(as_text=True).splitlines()
    objects = [json.loads(line) for line in lines]
    assert [item["score"] for item in objects] == [3, 10]
    assert objects[0]["answers"]["improve"] == '=HYPERLINK("http://x")'  # data stays data


def test_pdf_download_is_a_real_pdf_of_the_filtered_period(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    _seed(session)
    refresh_rollups(session, clock=FixedClock(datetime(2026, 3, 2, tzinfo=UTC)))
    session.commit()
    auth.login_as(Role.VIEWER)

    response = client.get(f"/reports/pdf?{FEBRUARY}")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Feedback report: All feedback" in text
    assert "2 answers" in text  # the March answer is outside the period


def test_bad_filters_are_explained(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.ADMIN)

    response = client.get("/reports/export.csv?date_from=2026-03-01&date_to=2026-02-01")

    assert response.status_code == 422
    assert "The end date must not be before the start date." in response.get_data(as_text=True)


def test_a_manager_downloads_only_their_teams_data(
    client: FlaskClient, session: Session, auth: AuthActions, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    answer_invitation(session, clock, "T-1", score=2, comment="Too slow")
    _seed(session)  # answers without a touchpoint: no team's
    other = make_team(session)
    session.commit()
    auth.login(setup.manager.email)

    own = client.get("/reports/export.jsonl?date_from=2026-01-01&date_to=2026-03-31")
    foreign = client.get(f"/reports/export.csv?team_id={other.id}")

    assert own.status_code == 200
    scores = [json.loads(line)["score"] for line in own.get_data(as_text=True).splitlines()]
    assert scores == [2]  # only the answer at the team's touchpoint
    assert foreign.status_code == 403
