"""Overdue cases escalate by themselves: owner first, then managers, each step exactly once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.case_mail import CaseMailKind
from surveyapp.domain.case_states import CaseEventKind, CaseStatus
from surveyapp.domain.clock import FixedClock
from surveyapp.models import Case, CaseEvent, CaseMail
from surveyapp.services._db import session_scope
from surveyapp.services.cases import assignment, escalation, settings, work
from surveyapp.services.cases.settings import TeamSettings
from tests.factories import CaseSetup, answer_invitation, case_of, make_case_setup


def _owned_case(session: Session, clock: FixedClock, setup: CaseSetup, key: str) -> Case:
    case = case_of(session, answer_invitation(session, clock, key, score=2))
    assert case is not None
    assignment.assign_case(
        session,
        case,
        owner_id=setup.agents[0].id,
        team_id=case.team_id,
        expected_version=case.version,
        actor=setup.manager,
        clock=clock,
    )
    return case


def _run(
    factory: sessionmaker[Session], worker: str, clock: FixedClock
) -> escalation.EscalationTally:
    with session_scope(factory) as session:
        return escalation.escalate_overdue_cases(session, worker_id=worker, clock=clock)


def _steps(session: Session, case: Case) -> list[str]:
    kinds = {CaseEventKind.REMINDED, CaseEventKind.ESCALATED}
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    )
    return [event.kind for event in events if event.kind in kinds]


def _mails(session: Session, kind: CaseMailKind) -> list[str]:
    query = select(CaseMail.recipient).where(CaseMail.kind == kind).order_by(CaseMail.id)
    return list(session.scalars(query))


def test_two_workers_escalate_an_overdue_case_exactly_once(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    case = _owned_case(session, clock, setup, "E-1")
    session.commit()
    owner, manager = setup.agents[0], setup.manager

    clock.advance(timedelta(hours=23, minutes=59))  # the first action is due after 24 h
    assert _run(session_factory, "worker-a", clock).reminded == 0
    clock.advance(timedelta(minutes=6))  # overdue, and a new period
    first = _run(session_factory, "worker-a", clock)
    second = _run(session_factory, "worker-b", clock)
    assert (first.ran, first.reminded) == (True, 1)
    assert second.ran is False
    clock.advance(timedelta(minutes=5))
    assert _run(session_factory, "worker-b", clock).reminded == 0  # already reminded
    session.expire_all()
    assert _steps(session, case) == [CaseEventKind.REMINDED]
    assert _mails(session, CaseMailKind.REMINDER) == [owner.email]
    assert case.escalation_level == 1

    clock.advance(timedelta(hours=4))  # the team's grace (4 h by default) has passed
    first = _run(session_factory, "worker-b", clock)
    second = _run(session_factory, "worker-a", clock)
    clock.advance(timedelta(minutes=5))
    third = _run(session_factory, "worker-a", clock)
    assert (first.escalated, second.ran, third.escalated) == (1, False, 0)
    session.expire_all()
    assert _steps(session, case) == [CaseEventKind.REMINDED, CaseEventKind.ESCALATED]
    assert _mails(session, CaseMailKind.ESCALATION) == [manager.email]
    assert case.escalation_level == 2
    assert case.status == CaseStatus.NEW  # escalation never acts on the case itself


def test_a_case_acted_on_in_time_escalates_only_when_its_resolution_is_late(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    policy = TeamSettings(first_action_hours=2, resolution_hours=8, escalation_grace_hours=1)
    settings.save_team_settings(session, setup.team.id, policy, clock=clock, actor=None)
    case = _owned_case(session, clock, setup, "E-2")
    clock.advance(timedelta(hours=1))
    work.add_note(session, case, "On it.", actor=setup.agents[0], clock=clock)
    session.commit()
    clock.advance(timedelta(hours=3))  # past the first action's due time, but it happened
    assert _run(session_factory, "w", clock).reminded == 0
    clock.advance(timedelta(hours=4, minutes=10))  # 8 h 10: the resolution is late
    assert _run(session_factory, "w", clock).reminded == 1
    clock.advance(timedelta(minutes=30))
    assert _run(session_factory, "w", clock).escalated == 0  # within the hour of grace
    clock.advance(timedelta(minutes=30))  # 9 h 10: the due time plus the grace has passed
    assert _run(session_factory, "w", clock).escalated == 1


def test_unowned_overdue_cases_remind_the_team_managers_and_closed_ones_rest(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    unowned = case_of(session, answer_invitation(session, clock, "E-3", score=1))
    assert unowned is not None
    session.commit()
    clock.advance(timedelta(days=30))
    tally = _run(session_factory, "w", clock)
    assert tally.reminded == 1
    assert tally.escalated == 0  # one step per run: the next period escalates
    assert _mails(session, CaseMailKind.REMINDER) == [setup.manager.email]
