"""Goodwill on cases: recorded, held for approval above the threshold, within the budget."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.case_recovery import GoodwillKind, GoodwillStatus, parse_amount
from surveyapp.domain.case_states import CaseEventKind
from surveyapp.domain.clock import FixedClock
from surveyapp.models import Case, CaseEvent
from surveyapp.services.cases import goodwill, recovery_settings
from surveyapp.services.cases.goodwill import GoodwillInput
from surveyapp.services.cases.recovery_settings import RecoverySettings
from surveyapp.services.errors import Conflict, PermissionDenied, ValidationFailed
from tests.factories import CaseSetup, answer_invitation, case_of, make_case_setup


def _setup(
    session: Session, clock: FixedClock, *, budget: str | None, threshold: str | None
) -> tuple[CaseSetup, Case]:
    setup = make_case_setup(session, clock)
    recovery_settings.save_recovery_settings(
        session,
        setup.team.id,
        RecoverySettings(
            currency="EUR",
            monthly_budget=Decimal(budget) if budget else None,
            approval_threshold=Decimal(threshold) if threshold else None,
        ),
        actor=setup.manager,
        clock=clock,
    )
    case = case_of(session, answer_invitation(session, clock, "G-1", score=1))
    assert case is not None
    return setup, case


def _give(amount: str, currency: str = "EUR") -> GoodwillInput:
    return GoodwillInput(GoodwillKind.VOUCHER, Decimal(amount), currency, "Sorry!")


def test_goodwill_above_the_threshold_waits_for_a_manager(
    session: Session, clock: FixedClock
) -> None:
    setup, case = _setup(session, clock, budget="500", threshold="50")
    agent = setup.agents[0]

    small = goodwill.record_goodwill(session, case, _give("20.00"), actor=agent, clock=clock)
    large = goodwill.record_goodwill(session, case, _give("80.50"), actor=agent, clock=clock)

    assert small.status == GoodwillStatus.APPROVED
    assert large.status == GoodwillStatus.PENDING
    month = goodwill.month_budget(session, case.team_id, clock=clock)
    assert (month.approved, month.pending, month.remaining) == (
        Decimal("20.00"),
        Decimal("80.50"),
        Decimal("399.50"),
    )
    with pytest.raises(PermissionDenied):
        goodwill.decide_goodwill(session, case, large.id, approve=True, actor=agent, clock=clock)
    goodwill.decide_goodwill(
        session, case, large.id, approve=True, actor=setup.manager, clock=clock
    )
    assert large.status == GoodwillStatus.APPROVED
    with pytest.raises(Conflict):
        goodwill.decide_goodwill(
            session, case, large.id, approve=False, actor=setup.manager, clock=clock
        )
    kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert kinds.count(CaseEventKind.GOODWILL) == 2
    assert kinds.count(CaseEventKind.GOODWILL_DECIDED) == 1


def test_over_the_budget_only_a_manager_records_goodwill(
    session: Session, clock: FixedClock
) -> None:
    setup, case = _setup(session, clock, budget="100", threshold=None)
    agent = setup.agents[0]
    goodwill.record_goodwill(session, case, _give("90"), actor=agent, clock=clock)

    with pytest.raises(ValidationFailed) as error:
        goodwill.record_goodwill(session, case, _give("10.01"), actor=agent, clock=clock)
    assert "amount" in error.value.field_errors
    goodwill.record_goodwill(session, case, _give("10.00"), actor=agent, clock=clock)
    entry = goodwill.record_goodwill(session, case, _give("25"), actor=setup.manager, clock=clock)
    assert entry.status == GoodwillStatus.APPROVED
    assert goodwill.month_budget(session, case.team_id, clock=clock).remaining == Decimal("-25.00")

    clock.advance(timedelta(days=31))  # a new month, a new budget
    assert goodwill.month_budget(session, case.team_id, clock=clock).approved == Decimal("0.00")
    goodwill.record_goodwill(session, case, _give("60"), actor=agent, clock=clock)


def test_goodwill_input_is_checked(session: Session, clock: FixedClock) -> None:
    setup, case = _setup(session, clock, budget="100", threshold=None)
    with pytest.raises(ValidationFailed) as error:
        goodwill.record_goodwill(
            session, case, _give("10", currency="USD"), actor=setup.agents[0], clock=clock
        )
    assert set(error.value.field_errors) == {"currency"}
    assert goodwill.goodwill_of_case(session, case.id) == []
    assert parse_amount("12,50") == Decimal("12.50")
    assert parse_amount("1.234") is None
    assert parse_amount("-3") is None
    assert parse_amount("abc") is None
