"""Staff work cases in the browser's forms: inbox views, the case page, settings, the answer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Session

from surveyapp.domain.case_mail import case_mail_token
from surveyapp.domain.case_states import CaseStatus
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import Case, CaseRule, TeamCaseSettings
from surveyapp.services.cases import messages
from tests.conftest import AuthActions, csrf_token
from tests.factories import (
    CaseSetup,
    answer_invitation,
    case_of,
    make_case_setup,
    make_root_cause,
)

SECRET = "test-secret-key-that-is-long-enough-for-tests"
CASE_LINK = re.compile(r'href="/cases/(\d+)"')


@pytest.fixture
def setup(session: Session, clock: FixedClock) -> CaseSetup:
    return make_case_setup(session, clock)


def _case(session: Session, clock: FixedClock, key: str, score: int = 3) -> Case:
    case = case_of(session, answer_invitation(session, clock, key, score=score))
    assert case is not None
    return case


def _listed(client: FlaskClient, **params: object) -> list[int]:
    page = client.get("/cases/", query_string=params)
    assert page.status_code == 200, page.get_data(as_text=True)
    return [int(found) for found in CASE_LINK.findall(page.get_data(as_text=True))]


def _post(client: FlaskClient, path: str, data: dict[str, Any], prefix: str = "") -> str:
    token_field = f"{prefix}-csrf_token" if prefix else "csrf_token"
    data = {token_field: csrf_token(client, "/cases/"), **data}
    response = client.post(path, data=data, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_inbox_views_counts_and_filters(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    mine = _case(session, clock, "I-1", score=2)
    mine.owner_id = setup.agents[0].id
    queued = _case(session, clock, "I-2", score=5)
    session.commit()
    auth.login(setup.agents[0].email)
    assert _listed(client) == [mine.id]  # agents open on their own cases
    assert sorted(_listed(client, view="team")) == sorted([mine.id, queued.id])
    assert _listed(client, view="unassigned") == [queued.id]
    assert _listed(client, view="team", priority="high") == [mine.id]
    assert _listed(client, view="team", band="unhappy") == [queued.id]
    assert _listed(client, view="team", status="resolved") == []
    page = client.get("/cases/", query_string={"view": "team"}).get_data(as_text=True)
    assert 'data-count="mine">1<' in page
    assert 'data-count="unassigned">1<' in page
    # The navigation counts the agent's own open cases.
    assert "open cases are yours" in client.get("/").get_data(as_text=True)
    clock.advance(timedelta(hours=25))
    assert sorted(_listed(client, view="overdue")) == sorted([mine.id, queued.id])


def test_inbox_queries_are_bounded(
    client: FlaskClient,
    auth: AuthActions,
    session: Session,
    clock: FixedClock,
    setup: CaseSetup,
    connection: Connection,
) -> None:
    for number in range(3):
        _case(session, clock, f"Q-{number}")
    session.commit()
    auth.login(setup.manager.email)
    with _counting(connection) as few:
        client.get("/cases/?view=team")
    for number in range(3, 12):
        _case(session, clock, f"Q-{number}")
    session.commit()
    with _counting(connection) as many:
        client.get("/cases/?view=team")
    assert len(many) == len(few)


@contextmanager
def _counting(connection: Connection) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        if not args[2].lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(args[2])

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


def test_the_case_page_works_a_case_to_resolution(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    case = _case(session, clock, "P-1")
    cause = make_root_cause(session, "Late delivery")
    session.commit()
    auth.login(setup.agents[0].email)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "How likely are you to recommend us" in page
    assert "A new case starts with a human action" in page
    path = f"/cases/{case.id}"
    page = _post(
        client, f"{path}/notes", {"note-text": "Called, no answer.", "note-is_call": "y"}, "note"
    )
    assert "The call was logged." in page
    assert "Did not reach the customer" in page
    session.refresh(case)
    assert case.status == CaseStatus.IN_PROGRESS
    page = _post(
        client,
        f"{path}/resolve",
        {
            "resolve-version": str(case.version),
            "resolve-resolution": "Refunded.",
            "resolve-root_causes": str(cause.id),
        },
        "resolve",
    )
    assert "The case was resolved." in page
    session.refresh(case)
    assert case.status == CaseStatus.RESOLVED
    assert [c.name for c in case.root_causes] == ["Late delivery"]


def test_a_stale_form_explains_and_changes_nothing(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    case = _case(session, clock, "S-1")
    cause = make_root_cause(session)
    session.commit()
    auth.login(setup.manager.email)
    stale = str(case.version)
    _post(client, f"/cases/{case.id}/notes", {"note-text": "Meanwhile."}, "note")
    page = _post(
        client,
        f"/cases/{case.id}/root-causes",
        {"causes-version": stale, "causes-root_causes": str(cause.id)},
        "causes",
    )
    assert "Someone else changed this case while you were looking at it" in page
    session.refresh(case)
    assert case.root_causes == []


def test_an_agent_reads_a_case_of_no_team_but_is_told_they_cannot_change_it(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    case = _case(session, clock, "O-1")
    other_team = _case(session, clock, "O-2")
    case.team_id = None  # reached no team: a manager routes it
    session.commit()
    auth.login_as(Role.AGENT)
    assert client.get(f"/cases/{other_team.id}").status_code == 403  # another team's case
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "You can read this case" in page
    page = _post(client, f"/cases/{case.id}/notes", {"note-text": "Hi"}, "note")
    assert "Only the case&#39;s team, its owner or an admin can change it." in page


def test_bulk_assign_from_the_inbox(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    cases = [_case(session, clock, f"B-{n}") for n in range(2)]
    session.commit()
    auth.login(setup.manager.email)
    agent = setup.agents[1]
    page = _post(
        client,
        "/cases/assign",
        {
            "case": [f"{c.id}:{c.version}" for c in cases],
            "owner_id": str(agent.id),
            "next": "/cases/?view=team",
        },
    )
    assert "2 cases were assigned." in page
    session.expire_all()
    assert {c.owner_id for c in cases} == {agent.id}


def test_settings_rules_sla_and_root_causes(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    auth.login_as(Role.CX_OWNER)
    page = _post(
        client,
        f"/cases/settings/touchpoints/{setup.touchpoint.id}/rule",
        {"nps_max": "4", "keywords": "refund\ncancel", "is_active": "y"},
    )
    assert "The case rule of Ticket closed was saved." in page
    rule = session.scalars(select(CaseRule)).one()
    assert (rule.nps_max, rule.csat_max, rule.keywords) == (4, None, ["refund", "cancel"])
    page = _post(
        client,
        f"/cases/settings/teams/{setup.team.id}",
        {
            "first_action_hours": "4",
            "resolution_hours": "24",
            "uses_working_hours": "y",
            "timezone": "Europe/Berlin",
            "working_days": ["1", "2", "3", "4", "5"],
            "day_start": "08:00",
            "day_end": "16:30",
            "holidays": "2026-12-25",
            "escalation_grace_hours": "2",
            "round_robin": "y",
            "max_open_per_agent": "5",
        },
    )
    assert "were saved" in page
    row = session.get(TeamCaseSettings, setup.team.id)
    assert row is not None
    assert (row.day_end, row.holidays, row.max_open_per_agent) == ("16:30", ["2026-12-25"], 5)
    page = _post(client, "/cases/root-causes", {"name": "Billing error"})
    assert "The root cause was added." in page
    bad = client.post(
        f"/cases/settings/teams/{setup.team.id}",
        data={
            "csrf_token": csrf_token(client, "/cases/"),
            "first_action_hours": "9",
            "resolution_hours": "4",
            "timezone": "UTC",
            "working_days": ["1"],
            "day_start": "09:00",
            "day_end": "17:00",
        },
    )
    assert bad.status_code == 400
    assert "The resolution cannot be due before the first action." in bad.get_data(as_text=True)


def test_a_manager_edits_only_their_own_team(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    auth.login_as(Role.MANAGER)
    response = client.post(
        f"/cases/settings/teams/{setup.team.id}",
        data={
            "csrf_token": csrf_token(client, "/cases/"),
            "first_action_hours": "4",
            "resolution_hours": "8",
            "timezone": "UTC",
            "working_days": ["1"],
            "day_start": "09:00",
            "day_end": "17:00",
        },
    )
    assert response.status_code == 400
    assert "Managers set the case settings of their own teams only." in response.get_data(
        as_text=True
    )


def test_the_customer_answers_with_a_button_and_no_reopens(
    client: FlaskClient, session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    case = _case(session, clock, "A-1")
    agent = setup.agents[0]
    mail = messages.write_to_customer(
        session, case, "Sorry!", secret=SECRET, actor=agent, clock=clock
    )
    case.status = CaseStatus.RESOLVED
    session.commit()
    token = case_mail_token(SECRET, mail.id)
    page = client.get(f"/c/{token}?answer=not_solved")  # what a link scanner does too
    assert page.status_code == 200
    assert "Did we solve your issue?" in page.get_data(as_text=True)
    session.refresh(case)
    assert case.status == CaseStatus.RESOLVED
    answered = client.post(
        f"/c/{token}",
        data={"csrf_token": csrf_token(client, f"/c/{token}"), "answer": "not_solved"},
        follow_redirects=True,
    )
    assert "We have reopened your case" in answered.get_data(as_text=True)
    session.refresh(case)
    assert case.status == CaseStatus.IN_PROGRESS
    session.refresh(mail)
    assert mail.verdict == "not_solved"
    unknown = client.get("/c/not-a-token")
    assert unknown.status_code == 404
    assert "This link is not valid" in unknown.get_data(as_text=True)
    assert "navbar" not in unknown.get_data(as_text=True)  # the customer's page, not the staff one
