"""Working a case: the first action is human, outcomes before resolving, stale saves refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.case_mail import CaseMailKind, CaseMailState, CustomerVerdict
from surveyapp.domain.case_states import CaseEventKind, CaseStatus
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import Case, CaseEvent, CaseMail
from surveyapp.services.cases import assignment, messages, taxonomy, work
from surveyapp.services.cases.locking import StaleCase
from surveyapp.services.errors import Conflict, PermissionDenied, ValidationFailed
from tests.factories import (
    CaseSetup,
    answer_invitation,
    case_of,
    make_case_setup,
    make_root_cause,
    make_team,
    make_user,
)

SECRET = "test-secret-key-that-is-long-enough-for-tests"


def _case(session: Session, clock: FixedClock, key: str = "K-1", score: int = 3) -> Case:
    case = case_of(session, answer_invitation(session, clock, key, score=score))
    assert case is not None
    return case


def _kinds(session: Session, case: Case) -> list[str]:
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    )
    return [event.kind for event in events]


@pytest.fixture
def setup(session: Session, clock: FixedClock) -> CaseSetup:
    return make_case_setup(session, clock)


def test_a_note_is_the_first_action_and_starts_the_work(
    session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    case = _case(session, clock)
    clock.advance(timedelta(hours=2))
    agent = setup.agents[0]
    work.add_note(
        session,
        case,
        "Called, left a voicemail.",
        kind=CaseEventKind.CALL,
        reached=False,
        actor=agent,
        clock=clock,
    )
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.first_action_at == clock.now()
    work.add_note(session, case, "Customer called back.", actor=agent, clock=clock)
    assert case.first_action_at == clock.now()  # the first one counts
    assert _kinds(session, case) == ["opened", "call", "status", "note"]


def test_status_buttons_cannot_leave_new(
    session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    case = _case(session, clock)
    with pytest.raises(Conflict):
        work.move(
            session,
            case,
            CaseStatus.IN_PROGRESS,
            expected_version=case.version,
            actor=setup.manager,
            clock=clock,
        )
    assert case.first_action_at is None


def test_resolving_needs_an_outcome_and_closing_a_manager(
    session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    case = _case(session, clock)
    agent = setup.agents[0]
    cause = make_root_cause(session, "Slow delivery")
    work.add_note(session, case, "Looked into it.", actor=agent, clock=clock)
    with pytest.raises(ValidationFailed):
        work.move(
            session,
            case,
            CaseStatus.RESOLVED,
            expected_version=case.version,
            actor=agent,
            clock=clock,
        )
    work.resolve(
        session,
        case,
        resolution="Refunded the shipping.",
        root_cause_ids=[cause.id],
        expected_version=case.version,
        actor=agent,
        clock=clock,
    )
    assert case.status == CaseStatus.RESOLVED
    assert case.resolved_at == clock.now()
    assert [c.name for c in case.root_causes] == ["Slow delivery"]
    with pytest.raises(PermissionDenied):
        work.move(
            session,
            case,
            CaseStatus.CLOSED,
            expected_version=case.version,
            actor=agent,
            clock=clock,
        )
    work.move(
        session,
        case,
        CaseStatus.CLOSED,
        expected_version=case.version,
        actor=setup.manager,
        clock=clock,
    )
    assert case.status == CaseStatus.CLOSED
    work.move(
        session,
        case,
        CaseStatus.IN_PROGRESS,
        expected_version=case.version,
        actor=setup.manager,
        clock=clock,
    )
    assert case.reopen_count == 1
    assert case.closed_at is None


def test_a_stale_form_is_refused_and_nothing_is_overwritten(
    session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    case = _case(session, clock)
    loaded = case.version
    work.add_note(session, case, "First.", actor=setup.agents[0], clock=clock)
    assert case.version > loaded
    with pytest.raises(StaleCase):
        work.save_resolution(
            session, case, "Mine.", expected_version=loaded, actor=setup.agents[1], clock=clock
        )
    assert case.resolution == ""


def test_the_database_refuses_a_save_racing_another(
    session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    case = _case(session, clock)
    session.commit()
    # Someone else saves the same case from another session between our read and our flush.
    other = Session(bind=session.get_bind(), join_transaction_mode="create_savepoint")
    theirs = other.get(Case, case.id)
    assert theirs is not None
    theirs.resolution = "Theirs"
    other.commit()
    other.close()
    with pytest.raises(StaleCase):
        work.save_resolution(
            session, case, "Ours", expected_version=case.version, actor=setup.agents[0], clock=clock
        )


def test_only_the_team_the_owner_or_admins_work_a_case(
    session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    case = _case(session, clock)
    outsider = make_user(session, role=Role.AGENT, teams=[make_team(session)])
    owner_of_nothing = make_user(session, role=Role.CX_OWNER)
    for person in (outsider, owner_of_nothing):
        with pytest.raises(PermissionDenied):
            work.add_note(session, case, "Hi", actor=person, clock=clock)
    admin = make_user(session, role=Role.ADMIN)
    work.add_note(session, case, "Admin here.", actor=admin, clock=clock)


def test_assigning_keeps_due_times_and_agents_only_take_cases(
    session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    case = _case(session, clock)
    due = (case.first_action_due_at, case.resolution_due_at)
    first, second = setup.agents
    with pytest.raises(ValidationFailed):
        assignment.assign_case(
            session,
            case,
            owner_id=second.id,
            team_id=case.team_id,
            expected_version=case.version,
            actor=first,
            clock=clock,
        )
    assignment.assign_case(
        session,
        case,
        owner_id=first.id,
        team_id=case.team_id,
        expected_version=case.version,
        actor=first,
        clock=clock,
    )
    other_team = make_team(session)
    stranger = make_user(session, role=Role.AGENT, teams=[other_team])
    with pytest.raises(ValidationFailed):
        assignment.assign_case(
            session,
            case,
            owner_id=stranger.id,
            team_id=case.team_id,
            expected_version=case.version,
            actor=setup.manager,
            clock=clock,
        )
    clock.advance(timedelta(hours=1))
    assignment.assign_case(
        session,
        case,
        owner_id=stranger.id,
        team_id=other_team.id,
        expected_version=case.version,
        actor=setup.manager,
        clock=clock,
    )
    assert (case.team_id, case.owner_id) == (other_team.id, stranger.id)
    assert (case.first_action_due_at, case.resolution_due_at) == due
    notices = session.scalars(select(CaseMail).where(CaseMail.kind == CaseMailKind.ASSIGNED))
    assert [mail.recipient for mail in notices] == [stranger.email]


def test_bulk_assign_skips_cases_that_changed(
    session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    cases = [_case(session, clock, f"B-{n}") for n in range(3)]
    versions = {case.id: case.version for case in cases}
    work.add_note(session, cases[1], "Meanwhile.", actor=setup.agents[1], clock=clock)
    outcome = assignment.bulk_assign(
        session, versions, owner_id=setup.agents[0].id, actor=setup.manager, clock=clock
    )
    assert (outcome.changed, outcome.refused) == (2, 1)
    assert [case.owner_id for case in cases] == [setup.agents[0].id, None, setup.agents[0].id]


def test_retired_root_causes_are_kept_but_not_added(
    session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    case = _case(session, clock)
    owner = make_user(session, role=Role.CX_OWNER)
    kept = taxonomy.save_root_cause(session, name="Billing", clock=clock, actor=owner)
    gone = taxonomy.save_root_cause(session, name="Old cause", clock=clock, actor=owner)
    agent = setup.agents[0]
    work.set_root_causes(
        session, case, [kept.id, gone.id], expected_version=case.version, actor=agent, clock=clock
    )
    taxonomy.save_root_cause(
        session, name="Old cause", root_cause_id=gone.id, is_active=False, clock=clock, actor=owner
    )
    work.set_root_causes(
        session, case, [gone.id], expected_version=case.version, actor=agent, clock=clock
    )
    work.set_root_causes(
        session, case, [kept.id], expected_version=case.version, actor=agent, clock=clock
    )
    with pytest.raises(ValidationFailed):
        work.set_root_causes(
            session,
            case,
            [kept.id, gone.id],
            expected_version=case.version,
            actor=agent,
            clock=clock,
        )
    with pytest.raises(ValidationFailed):
        taxonomy.save_root_cause(session, name="billing", clock=clock, actor=owner)


def test_a_message_to_the_customer_is_a_first_action_and_no_reopens(
    session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    case = _case(session, clock)
    agent = setup.agents[0]
    recipient = messages.recipient_of(session, case)
    assert recipient is not None
    assert "this is what we did" in recipient.draft
    mail = messages.write_to_customer(
        session, case, "We refunded you.", secret=SECRET, actor=agent, clock=clock
    )
    assert mail.state == CaseMailState.QUEUED
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.first_action_at == clock.now()
    cause = make_root_cause(session)
    work.resolve(
        session,
        case,
        resolution="Refund.",
        root_cause_ids=[cause.id],
        expected_version=case.version,
        actor=agent,
        clock=clock,
    )
    from surveyapp.domain.case_mail import case_mail_token  # noqa: PLC0415

    token = case_mail_token(SECRET, mail.id)
    messages.record_verdict(session, token, CustomerVerdict.NOT_SOLVED, clock=clock)
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.reopen_count == 1
    assert case.customer_verdict == CustomerVerdict.NOT_SOLVED
    messages.record_verdict(session, token, CustomerVerdict.NOT_SOLVED, clock=clock)
    assert case.reopen_count == 1  # the same answer twice changes nothing
    assert _kinds(session, case)[-2:] == ["customer_not_solved", "status"]


def test_no_message_without_an_address(
    session: Session, clock: FixedClock, setup: CaseSetup
) -> None:
    case = _case(session, clock)
    assert case.contact is not None
    case.contact.email = None
    with pytest.raises(ValidationFailed):
        messages.write_to_customer(
            session, case, "Hello", secret=SECRET, actor=setup.agents[0], clock=clock
        )
