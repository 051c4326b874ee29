"""Recovery in the browser's forms: checklists and goodwill on the case page, settings, kudos."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.case_recovery import GoodwillStatus, PlaybookTrigger
from surveyapp.domain.case_rules import ScoreBand
from surveyapp.domain.case_states import CaseEventKind
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import (
    Case,
    CaseEvent,
    Goodwill,
    Kudos,
    NotificationSettings,
    Playbook,
    TeamRecoverySettings,
)
from tests.conftest import AuthActions, csrf_token
from tests.factories import CaseSetup, answer_invitation, case_of, make_case_setup

CHECKED = re.compile(r'id="(playbook-\d+-item-\d+)" checked')


@pytest.fixture
def setup(session: Session, clock: FixedClock) -> CaseSetup:
    return make_case_setup(session, clock)


def _case(session: Session, clock: FixedClock, score: int = 1) -> Case:
    case = case_of(session, answer_invitation(session, clock, f"W-{score}", score=score))
    assert case is not None
    return case


def _post(client: FlaskClient, path: str, data: dict[str, Any], token_from: str) -> str:
    response = client.post(
        path, data={"csrf_token": csrf_token(client, token_from), **data}, follow_redirects=True
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _playbook(session: Session, clock: FixedClock) -> Playbook:
    playbook = Playbook(
        name="Win them back",
        trigger=PlaybookTrigger.SCORE_BAND,
        score_band=ScoreBand.VERY_UNHAPPY,
        items=["Call the customer", "Offer a voucher"],
        is_active=True,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    session.add(playbook)
    session.flush()
    return playbook


def test_an_agent_ticks_a_checklist_and_records_goodwill_that_waits_for_the_manager(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    playbook = _playbook(session, clock)
    session.add(
        TeamRecoverySettings(
            team_id=setup.team.id,
            currency="EUR",
            monthly_budget=Decimal("100.00"),
            approval_threshold=Decimal("30.00"),
            updated_at=clock.now(),
        )
    )
    case = _case(session, clock)
    session.commit()
    auth.login(setup.agents[0].email)
    page_path = f"/cases/{case.id}"

    page = client.get(page_path).get_data(as_text=True)
    assert "Playbook: Win them back" in page
    assert "Offer a voucher" in page
    page = _post(client, f"{page_path}/playbooks/{playbook.id}", {"items": ["1"]}, page_path)
    assert "The checklist was saved." in page
    assert CHECKED.findall(page) == [f"playbook-{playbook.id}-item-1"]

    page = _post(
        client,
        f"{page_path}/goodwill",
        {
            "goodwill-kind": "voucher",
            "goodwill-amount": "45,50",
            "goodwill-currency": "EUR",
            "goodwill-note": "For the wait",
        },
        page_path,
    )
    assert "The goodwill was recorded." in page
    assert "waiting for a manager" in page
    page = _post(
        client,
        f"{page_path}/goodwill",
        {"goodwill-kind": "refund", "goodwill-amount": "60", "goodwill-currency": "EUR"},
        page_path,
    )
    assert "past the team&#39;s goodwill budget" in page
    page = _post(
        client,
        f"{page_path}/goodwill",
        {"goodwill-kind": "refund", "goodwill-amount": "1.234", "goodwill-currency": "EUR"},
        page_path,
    )
    assert "at most two decimals" in page

    entry = session.scalars(select(Goodwill)).one()
    session.refresh(entry)
    assert (entry.amount, entry.status) == (Decimal("45.50"), GoodwillStatus.PENDING)
    session.refresh(case)
    assert case.first_action_at is None  # a tick is not a first action

    auth.logout()
    auth.login(setup.manager.email)
    page = _post(
        client, f"{page_path}/goodwill/{entry.id}/decision", {"decision": "approve"}, page_path
    )
    assert "The goodwill was approved." in page
    session.refresh(entry)
    assert entry.status == GoodwillStatus.APPROVED
    kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert CaseEventKind.PLAYBOOK_TICKED in kinds
    assert CaseEventKind.GOODWILL_DECIDED in kinds


def test_cx_owners_keep_playbooks_and_bad_input_re_renders(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.login_as(Role.CX_OWNER)
    page = client.post(
        "/cases/playbooks/new",
        data={
            "csrf_token": csrf_token(client, "/cases/playbooks/new"),
            "name": "Empty",
            "trigger": "score_band",
            "score_band": "",
            "items": "Do it",
        },
    )
    assert page.status_code == 400
    assert "Choose a score band." in page.get_data(as_text=True)
    assert session.scalars(select(Playbook)).all() == []

    page = client.post(
        "/cases/playbooks/new",
        data={
            "csrf_token": csrf_token(client, "/cases/playbooks/new"),
            "name": "Rescue",
            "trigger": "score_band",
            "score_band": "unhappy",
            "items": "Call\nApologise\n",
            "is_active": "y",
        },
        follow_redirects=True,
    )
    assert "The playbook Rescue was saved." in page.get_data(as_text=True)
    assert session.scalars(select(Playbook.items)).one() == ["Call", "Apologise"]


def test_agents_cannot_edit_playbooks(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.AGENT)
    token = csrf_token(client, "/cases/notifications")
    response = client.post("/cases/playbooks/new", data={"csrf_token": token, "name": "X"})
    assert response.status_code == 403


def test_a_manager_sets_the_budget_and_re_survey_of_their_team(
    client: FlaskClient, auth: AuthActions, session: Session, setup: CaseSetup
) -> None:
    auth.login(setup.manager.email)
    path = f"/cases/settings/teams/{setup.team.id}/recovery"
    bad = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "currency": "EUR", "monthly_budget": "x"},
    )
    assert bad.status_code == 400
    page = _post(
        client,
        path,
        {
            "currency": "CHF",
            "monthly_budget": "500",
            "approval_threshold": "50.00",
            "resurvey_after_days": "7",
        },
        path,
    )
    assert "The recovery settings of" in page
    row = session.get(TeamRecoverySettings, setup.team.id)
    assert row is not None
    session.refresh(row)
    assert (row.currency, row.monthly_budget, row.resurvey_after_days) == (
        "CHF",
        Decimal("500.00"),
        7,
    )


def test_turning_the_daily_digest_off(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    user = auth.login_as(Role.AGENT)
    page = client.get("/cases/notifications").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="daily_digest"', page)
    _post(client, "/cases/notifications", {}, "/cases/notifications")
    row = session.get(NotificationSettings, user.id)
    assert row is not None
    session.refresh(row)
    assert row.daily_digest is False


def test_the_kudos_page_lists_only_ones_own_praise(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    response = answer_invitation(session, clock, "W-K", score=10)
    session.add(
        Kudos(
            response_id=response.id,
            agent_id=setup.agents[0].id,
            score=10,
            comment="Best <b>support</b> ever",
            created_at=clock.now(),
        )
    )
    session.commit()
    auth.login(setup.agents[1].email)
    assert "No kudos yet." in client.get("/cases/kudos").get_data(as_text=True)
    auth.logout()
    auth.login(setup.agents[0].email)
    page = client.get("/cases/kudos").get_data(as_text=True)
    assert "Best &lt;b&gt;support&lt;/b&gt; ever" in page


def test_the_recovery_section_speaks_german(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    _playbook(session, clock)
    case = _case(session, clock)
    session.add(
        Goodwill(
            case_id=case.id,
            team_id=case.team_id,
            kind="refund",
            amount=Decimal("1234.50"),
            currency="EUR",
            note="",
            status=GoodwillStatus.APPROVED,
            recorded_at=clock.now(),
        )
    )
    setup.manager.locale = "de"
    session.commit()
    auth.login(setup.manager.email)

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)

    assert "Rückgewinnung" in page
    assert "Checkliste speichern" in page
    assert "Erstattung: 1.234,50 EUR" in page
    assert "Kulanz erfassen" in page
