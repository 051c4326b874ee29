"""The recovery part of the case page (service layer): checklists, goodwill, re-survey."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from surveyapp.domain.case_recovery import CURRENCIES, GoodwillKind, GoodwillStatus
from surveyapp.domain.clock import Clock
from surveyapp.models import Case, CaseResurvey, Goodwill, User
from surveyapp.services.cases.goodwill import MonthBudget, is_team_manager, month_budget
from surveyapp.services.cases.playbooks import CaseChecklist, checklists_for


@dataclass(frozen=True)
class GoodwillLine:
    """One goodwill entry as the case page lists it."""

    id: int
    kind: GoodwillKind
    amount: Decimal
    currency: str
    note: str
    status: GoodwillStatus
    recorded_at: datetime
    recorded_by: str
    decided_by: str | None


@dataclass(frozen=True)
class RecoveryPanel:
    """Everything the recovery section of a case page shows and offers."""

    checklists: list[CaseChecklist]
    goodwill: list[GoodwillLine]
    month: MonthBudget
    currency: str  # the currency the form proposes
    currencies: tuple[str, ...]
    may_decide: bool
    resurvey: CaseResurvey | None


def recovery_panel(session: Session, case: Case, *, viewer: User, clock: Clock) -> RecoveryPanel:
    """The recovery section of ``case``'s page for ``viewer``."""
    month = month_budget(session, case.team_id, clock=clock)
    return RecoveryPanel(
        checklists=checklists_for(session, case),
        goodwill=_goodwill_lines(session, case.id),
        month=month,
        currency=month.currency,
        currencies=CURRENCIES,
        may_decide=is_team_manager(viewer, case.team_id),
        resurvey=session.scalars(
            select(CaseResurvey).where(CaseResurvey.case_id == case.id)
        ).one_or_none(),
    )


def _goodwill_lines(session: Session, case_id: int) -> list[GoodwillLine]:
    recorder = aliased(User, name="recorder")
    decider = aliased(User, name="decider")
    rows: Sequence[tuple[Goodwill, str | None, str | None]] = session.execute(
        select(Goodwill, recorder.name, decider.name)
        .outerjoin(recorder, recorder.id == Goodwill.recorded_by_id)
        .outerjoin(decider, decider.id == Goodwill.decided_by_id)
        .where(Goodwill.case_id == case_id)
        .order_by(Goodwill.recorded_at, Goodwill.id)
    ).all()
    return [
        GoodwillLine(
            id=entry.id,
            kind=entry.kind,
            amount=entry.amount,
            currency=entry.currency,
            note=entry.note,
            status=entry.status,
            recorded_at=entry.recorded_at,
            recorded_by=recorded_by or "—",
            decided_by=decided_by,
        )
        for entry, recorded_by, decided_by in rows
    ]
