"""The inbox's derived case columns follow every change to a case, ORM or bulk UPDATE."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from surveyapp.domain.case_rules import CasePriority
from surveyapp.domain.case_states import CaseStatus
from surveyapp.domain.clock import FixedClock
from surveyapp.models import Case
from surveyapp.services.cases import inbox, work
from surveyapp.services.cases.inbox import InboxFilters, InboxView, Viewer
from surveyapp.services.cases.inbox_counts import tally
from tests.factories import CaseSetup, answer_invitation, case_of, make_case_setup, make_team


def _derived(session: Session, case: Case) -> tuple[bool, int, object, object]:
    session.flush()
    row = session.execute(
        select(Case.is_open, Case.urgency, Case.next_due_at, Case.overdue_at).where(
            Case.id == case.id
        )
    ).one()
    return bool(row[0]), row[1], row[2], row[3]


def _case(session: Session, clock: FixedClock, setup: CaseSetup, key: str = "K-1") -> Case:
    case = case_of(session, answer_invitation(session, clock, key, score=3))
    assert case is not None
    assert case.team_id == setup.team.id
    return case


def test_first_action_resolving_and_reopening_move_the_derived_columns(
    session: Session, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    case = _case(session, clock, setup)
    is_open, _urgency, next_due, overdue = _derived(session, case)
    assert is_open
    assert next_due == case.first_action_due_at
    assert overdue == min(case.first_action_due_at, case.resolution_due_at)

    work.add_note(session, case, "Called the customer.", actor=setup.agents[0], clock=clock)
    is_open, _urgency, next_due, overdue = _derived(session, case)
    assert (is_open, next_due, overdue) == (True, case.resolution_due_at, case.resolution_due_at)

    work.move(
        session,
        case,
        CaseStatus.WAITING_ON_CUSTOMER,
        expected_version=case.version,
        actor=setup.agents[0],
        clock=clock,
    )
    assert _derived(session, case)[0] is True
    case.status = CaseStatus.RESOLVED
    assert _derived(session, case)[0] is False
    case.status = CaseStatus.IN_PROGRESS
    assert _derived(session, case)[0] is True


def test_a_bulk_priority_update_reorders_the_inbox(session: Session, clock: FixedClock) -> None:
    setup = make_case_setup(session, clock)
    first = _case(session, clock, setup, "K-1")
    second = _case(session, clock, setup, "K-2")
    session.execute(
        update(Case).where(Case.id == first.id).values(priority=CasePriority.LOW),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(Case).where(Case.id == second.id).values(priority=CasePriority.URGENT),
        execution_options={"synchronize_session": False},
    )
    assert _derived(session, first)[1] == 3
    assert _derived(session, second)[1] == 0
    viewer = Viewer(setup.manager.id, frozenset({setup.team.id}))
    page = inbox.list_cases(
        session, InboxFilters(view=InboxView.TEAM), viewer=viewer, now=clock.now()
    )
    assert [row.id for row in page.cases] == [second.id, first.id]


def test_tab_counts_and_workload_follow_due_times_owners_and_status(
    session: Session, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    case = _case(session, clock, setup)
    mine = _case(session, clock, setup, "K-2")
    mine.owner_id = setup.manager.id
    elsewhere = _case(session, clock, setup, "K-3")
    elsewhere.team_id = make_team(session, name="Elsewhere").id
    unseen = _case(session, clock, setup, "K-4")
    unseen.team_id = elsewhere.team_id
    elsewhere.owner_id = setup.manager.id
    viewer = Viewer(setup.manager.id, frozenset({setup.team.id}))
    teams = [setup.team.id]
    counts, loads = tally(session, viewer=viewer, team_ids=teams, now=clock.now())
    assert counts == {
        InboxView.MINE: 2,
        InboxView.TEAM: 2,
        InboxView.UNASSIGNED: 1,
        InboxView.OVERDUE: 0,
        InboxView.ALL: 3,
    }
    assert [(load.user_id, load.open_cases) for load in loads] == [(setup.manager.id, 1)]
    admin = Viewer(setup.manager.id, frozenset(), sees_all=True)
    every_team = [setup.team.id, elsewhere.team_id]
    counts, loads = tally(session, viewer=admin, team_ids=every_team, now=clock.now())
    assert (counts[InboxView.ALL], counts[InboxView.MINE], counts[InboxView.TEAM]) == (4, 2, 0)
    assert [(load.user_id, load.open_cases) for load in loads] == [(setup.manager.id, 2)]
    later = case.first_action_due_at + timedelta(minutes=1)
    assert tally(session, viewer=viewer, team_ids=teams, now=later)[0][InboxView.OVERDUE] == 3
    case.status = CaseStatus.RESOLVED
    session.flush()
    counts, _loads = tally(session, viewer=viewer, team_ids=teams, now=later)
    assert counts[InboxView.ALL] == counts[InboxView.OVERDUE] == 2
