"""Re-surveys: planned through dispatch some days after resolution; the answer sets recovery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.case_states import CaseEventKind
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState
from surveyapp.models import CaseEvent, CaseResurvey, Invitation, TriggerRule
from surveyapp.services.cases import recovery_settings, resurvey
from surveyapp.services.cases.recovery_settings import RecoverySettings
from surveyapp.services.errors import PermissionDenied, ValidationFailed
from tests.factories import (
    answer_invitation,
    case_of,
    make_case_setup,
    make_root_cause,
    make_team,
    make_user,
)
from tests.services.cases.recovery_setup import answer, resolve


def _resolved_case(session: Session, clock: FixedClock, *, days: int | None = 7):  # type: ignore[no-untyped-def]
    setup = make_case_setup(session, clock)
    admin = make_user(session, role=Role.ADMIN)
    recovery_settings.save_recovery_settings(
        session, setup.team.id, RecoverySettings(resurvey_after_days=days), actor=admin, clock=clock
    )
    case = case_of(session, answer_invitation(session, clock, "R-1", score=2))
    assert case is not None
    clock.advance(timedelta(hours=1))
    resolve(session, case, make_root_cause(session), actor=setup.manager, clock=clock)
    return setup, case


def _plan(session: Session, clock: FixedClock) -> resurvey.ResurveyTally:
    return resurvey.plan_due_resurveys(session, worker_id="worker-1", clock=clock)


def test_a_happy_re_survey_answer_marks_the_case_recovered(
    session: Session, clock: FixedClock
) -> None:
    _setup, case = _resolved_case(session, clock)

    clock.advance(timedelta(days=6, hours=23))
    assert _plan(session, clock) == resurvey.ResurveyTally()  # not due yet
    clock.advance(timedelta(hours=2))
    assert _plan(session, clock).queued == 1
    clock.advance(timedelta(minutes=5))
    assert _plan(session, clock) == resurvey.ResurveyTally()  # never twice

    row = session.scalars(select(CaseResurvey).where(CaseResurvey.case_id == case.id)).one()
    assert row.recovered is None
    invitation = session.get(Invitation, row.invitation_id)
    assert invitation is not None
    assert invitation.state == InvitationState.QUEUED
    assert invitation.contact_id == case.contact_id
    assert row.due_at == case.resolved_at + timedelta(days=7)

    clock.advance(timedelta(hours=3))
    answer(session, clock, invitation, score=9)

    session.refresh(row)
    assert row.recovered is True
    assert row.score == 9
    assert row.answered_at == clock.now()
    kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert CaseEventKind.RESURVEYED in kinds
    assert CaseEventKind.RESURVEY_ANSWERED in kinds


def test_a_re_survey_answer_still_unhappy_is_not_recovered(
    session: Session, clock: FixedClock
) -> None:
    _setup, case = _resolved_case(session, clock, days=3)
    clock.advance(timedelta(days=3, minutes=5))
    _plan(session, clock)
    row = session.scalars(select(CaseResurvey).where(CaseResurvey.case_id == case.id)).one()
    invitation = session.get(Invitation, row.invitation_id)
    assert invitation is not None

    answer(session, clock, invitation, score=5)

    session.refresh(row)
    assert row.recovered is False
    assert row.score == 5


def test_the_recontact_rule_still_applies_to_re_surveys(
    session: Session, clock: FixedClock
) -> None:
    _setup, case = _resolved_case(session, clock, days=2)
    rule = session.scalars(select(TriggerRule)).one()
    rule.recontact_days_contact = 30
    clock.advance(timedelta(days=2, minutes=5))

    tally = _plan(session, clock)

    assert tally.suppressed == 1
    row = session.scalars(select(CaseResurvey).where(CaseResurvey.case_id == case.id)).one()
    invitation = session.get(Invitation, row.invitation_id)
    assert invitation is not None
    assert invitation.state == InvitationState.SUPPRESSED
    assert "recontact_contact" in invitation.suppression_reasons
    assert row.sent_at is not None  # handed to dispatch, which did not send it


def test_teams_without_re_survey_and_cases_resolved_before_switching_on_get_none(
    session: Session, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    case = case_of(session, answer_invitation(session, clock, "R-2", score=1))
    assert case is not None
    resolve(session, case, make_root_cause(session), actor=setup.manager, clock=clock)
    clock.advance(timedelta(days=30))
    assert _plan(session, clock) == resurvey.ResurveyTally()  # off by default

    recovery_settings.save_recovery_settings(
        session,
        setup.team.id,
        RecoverySettings(resurvey_after_days=1),
        actor=setup.manager,
        clock=clock,
    )
    clock.advance(timedelta(days=2))
    assert _plan(session, clock) == resurvey.ResurveyTally()  # resolved before it was on


def test_recovery_settings_are_checked(session: Session, clock: FixedClock) -> None:
    setup = make_case_setup(session, clock)
    other = make_team(session)
    with pytest.raises(ValidationFailed) as error:
        recovery_settings.save_recovery_settings(
            session,
            setup.team.id,
            RecoverySettings(currency="XXX", resurvey_after_days=0),
            actor=setup.manager,
            clock=clock,
        )
    assert set(error.value.field_errors) == {"currency", "resurvey_after_days"}
    with pytest.raises(PermissionDenied):
        recovery_settings.save_recovery_settings(
            session, other.id, RecoverySettings(), actor=setup.manager, clock=clock
        )
