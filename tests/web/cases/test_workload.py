"""The inbox shows each owner's open cases: the workload round-robin shares out."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.services.cases import settings
from surveyapp.services.cases.settings import TeamSettings
from tests.conftest import AuthActions
from tests.factories import answer_invitation, case_of, make_case_setup

ROW = re.compile(r'<th scope="row" class="fw-normal">([^<]+)</th><td class="text-end">(\d+)</td>')


def test_the_inbox_shows_open_cases_per_owner_after_round_robin_with_a_maximum(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock, agents=2)
    policy = TeamSettings(round_robin=True, max_open_per_agent=1)
    settings.save_team_settings(session, setup.team.id, policy, clock=clock, actor=setup.manager)
    owners = [
        case.owner_id
        for number in range(3)
        if (case := case_of(session, answer_invitation(session, clock, f"WL-{number}", score=2)))
    ]
    session.commit()
    assert owners == [setup.agents[0].id, setup.agents[1].id, None]  # the third waits

    auth.login(setup.manager.email)
    page = client.get("/cases/", query_string={"view": "team"}).get_data(as_text=True)
    workload = page[page.index('id="workload"') :]
    assert dict(ROW.findall(workload)) == {setup.agents[0].name: "1", setup.agents[1].name: "1"}
