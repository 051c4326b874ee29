"""Report pages: the dashboard's figures and filters, drill-down, journey, log and review."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import Improvement, JourneyStage, SurveyKind
from surveyapp.services.reporting import rollups
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_root_cause
from tests.services.reporting.scene import Scene, make_scene

FEBRUARY = "date_from=2026-02-01&date_to=2026-02-28"


@pytest.fixture
def scene(session: Session, clock: FixedClock) -> Scene:
    scene = make_scene(session)
    for score in (10, 10, 9, 3):
        scene.answer(scene.support, score, date(2026, 2, 3), comment="Quick and friendly")
    for score in (0, 1, 8):
        scene.answer(scene.billing, score, date(2026, 2, 4), comment="Invoice was wrong")
    rollups.rebuild_rollups(session, clock=clock)
    session.commit()
    return scene


def _kpi_value(page: str, metric: str) -> str:
    match = re.search(
        rf'data-metric="{metric}".*?<span class="kpi-value">([^<]+)</span>', page, re.DOTALL
    )
    assert match, f"no {metric} tile"
    return match.group(1)


def test_dashboard_shows_nps_per_touchpoint(
    client: FlaskClient, auth: AuthActions, scene: Scene
) -> None:
    auth.login_as(Role.CX_OWNER)

    everything = client.get(f"/reports/?{FEBRUARY}").get_data(as_text=True)
    support = client.get(f"/reports/?{FEBRUARY}&touchpoint_id={scene.support.id}")

    assert _kpi_value(everything, "nps") == "0.0"
    assert _kpi_value(support.get_data(as_text=True), "nps") == "50.0"
    assert "Small sample (fewer than 30)" in everything
    assert 'role="img"' in everything
    assert "Data table" in everything


def test_a_manager_sees_only_their_teams_figures(
    client: FlaskClient, auth: AuthActions, scene: Scene, session: Session
) -> None:
    manager = auth.login_as(Role.MANAGER)
    manager.teams.append(scene.team)
    session.commit()

    page = client.get(f"/reports/?{FEBRUARY}").get_data(as_text=True)
    review = client.get("/reports/review").get_data(as_text=True)
    foreign = client.get(f"/reports/?{FEBRUARY}&touchpoint_id={scene.billing.id}")

    assert _kpi_value(page, "nps") == "50.0"  # the team's support answers only
    assert scene.billing.name not in page  # not offered as a filter either
    assert "Invoice was wrong" not in review
    assert foreign.status_code == 403


def test_bad_filters_re_render_with_messages(
    client: FlaskClient, auth: AuthActions, scene: Scene
) -> None:
    auth.login_as(Role.VIEWER)

    response = client.get("/reports/?date_from=2026-03-01&date_to=2026-02-01&channel=fax")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The end date must not be before the start date." in page
    assert "Choose one of the listed entries." in page


def test_drilldown_lists_exactly_the_responses_behind_a_score(
    client: FlaskClient, auth: AuthActions, scene: Scene
) -> None:
    auth.login_as(Role.CX_OWNER)

    page = client.get(f"/reports/responses?{FEBRUARY}&rating=nps&score=10").get_data(as_text=True)
    team = client.get(f"/reports/responses?{FEBRUARY}&team_id={scene.team.id}").get_data(
        as_text=True
    )

    assert len(re.findall(r'href="/responses/\d+"', page)) == 2
    assert team.count("Quick and friendly") == 4
    assert "Invoice was wrong" not in team


def test_journey_keeps_relational_surveys_apart(
    client: FlaskClient, auth: AuthActions, scene: Scene, session: Session, clock: FixedClock
) -> None:
    stage = JourneyStage(key="support", name="Getting help", position=4)
    session.add(stage)
    session.flush()
    scene.support.stage_id = stage.id
    scene.csat_survey.kind = SurveyKind.RELATIONAL
    scene.answer(scene.billing, 5, date(2026, 2, 5), version=scene.csat_version)
    rollups.rebuild_rollups(session, clock=clock)
    session.commit()
    auth.login_as(Role.VIEWER)

    page = client.get(f"/reports/journey?{FEBRUARY}").get_data(as_text=True)

    assert "Getting help" in page
    tables = page.split('id="transactional-heading"')[1]
    transactional, relational = tables.split('id="relational-heading"')
    assert "Billing satisfaction" in relational
    assert "Billing satisfaction" not in transactional
    assert "Ticket closed" in transactional


def test_cx_owner_logs_a_change_and_sees_before_and_after(
    client: FlaskClient, auth: AuthActions, scene: Scene, session: Session
) -> None:
    cause = make_root_cause(session, "Slow replies")
    session.commit()
    auth.login_as(Role.CX_OWNER)
    token = csrf_token(client, "/reports/improvements")

    response = client.post(
        "/reports/improvements",
        data={
            "csrf_token": token,
            "changed_on": "2026-02-04",
            "title": "Second-level support on weekends",
            "touchpoint_id": str(scene.support.id),
            "root_cause_id": str(cause.id),
        },
    )
    page = client.get("/reports/improvements").get_data(as_text=True)

    assert response.status_code == 303
    assert "Second-level support on weekends" in page
    assert "association in time, not proof" in page
    assert "Slow replies" in page


def test_improvement_in_the_future_is_refused(
    client: FlaskClient, auth: AuthActions, scene: Scene, session: Session
) -> None:
    auth.login_as(Role.CX_OWNER)
    token = csrf_token(client, "/reports/improvements")

    response = client.post(
        "/reports/improvements",
        data={"csrf_token": token, "changed_on": "2027-01-01", "title": "Later"},
    )

    assert response.status_code == 400
    assert "this date is in the future" in response.get_data(as_text=True)
    assert session.scalars(select(Improvement)).all() == []


def test_managers_read_the_log_but_cannot_write(
    client: FlaskClient, auth: AuthActions, scene: Scene
) -> None:
    auth.login_as(Role.MANAGER)
    token = csrf_token(client, "/reports/")

    assert "Record a change" not in client.get("/reports/improvements").get_data(as_text=True)
    response = client.post(
        "/reports/improvements",
        data={"csrf_token": token, "changed_on": "2026-02-01", "title": "x"},
    )
    assert response.status_code == 403


def test_review_lists_the_latest_comments_of_a_team(
    client: FlaskClient, auth: AuthActions, scene: Scene
) -> None:
    auth.login_as(Role.CX_OWNER)

    page = client.get(f"/reports/review?team_id={scene.team.id}").get_data(as_text=True)
    everyone = client.get("/reports/review").get_data(as_text=True)

    assert page.count("Quick and friendly") == 4
    assert "Invoice was wrong" not in page
    assert everyone.count("Invoice was wrong") == 3


def test_journey_shows_answers_without_a_touchpoint_apart(
    client: FlaskClient, auth: AuthActions, scene: Scene, session: Session, clock: FixedClock
) -> None:
    scene.answer(None, 10, date(2026, 2, 5))
    rollups.rebuild_rollups(session, clock=clock)
    session.commit()
    auth.login_as(Role.VIEWER)

    page = client.get(f"/reports/journey?{FEBRUARY}").get_data(as_text=True)

    assert "Without touchpoint (anonymous and test links)" in page


def test_dashboard_queries_do_not_grow_with_the_answers(
    client: FlaskClient, auth: AuthActions, scene: Scene, session: Session, clock: FixedClock
) -> None:
    auth.login_as(Role.CX_OWNER)
    connection = session.connection()
    statements: list[str] = []

    def record(*args: object) -> None:
        statement = str(args[2])
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    def count() -> int:
        statements.clear()
        event.listen(connection, "before_cursor_execute", record)
        try:
            assert client.get(f"/reports/?{FEBRUARY}").status_code == 200
        finally:
            event.remove(connection, "before_cursor_execute", record)
        return len(statements)

    few = count()
    for day in range(1, 28):
        scene.answer(scene.billing, day % 11, date(2026, 2, day))
    rollups.rebuild_rollups(session, clock=clock)
    session.commit()

    assert count() == few
    assert few <= 20
