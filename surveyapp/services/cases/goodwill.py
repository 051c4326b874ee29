"""Goodwill on cases (service layer): compensation recorded, budgeted and approved.

Whoever works a case records goodwill (type, amount with two decimals, ISO 4217 currency,
note). A team may have a monthly budget and an approval threshold (``recovery_settings``):
above the threshold an entry waits as *pending* until a manager of the team (or an admin)
approves or rejects it; an entry that would take the month past the budget is refused unless
a manager records it. Approved and pending entries count against the month (pending ones
are promised money). Months are calendar months in the team's SLA time zone. With a budget,
goodwill is recorded in the budget's currency, so the sum means something. Every entry and
decision lands on the case timeline. Functions flush and leave the commit to the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.case_recovery import (
    CURRENCIES,
    MAX_AMOUNT,
    GoodwillKind,
    GoodwillStatus,
    exceeds_budget,
    needs_approval,
)
from surveyapp.domain.case_states import CaseEventKind
from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.roles import Role
from surveyapp.models import Case, Goodwill, TeamCaseSettings, TeamRecoverySettings, User
from surveyapp.services.cases import access
from surveyapp.services.cases.events import add_event
from surveyapp.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

log = logging.getLogger(__name__)

MAX_NOTE_LENGTH = 1000
COUNTED = (GoodwillStatus.APPROVED, GoodwillStatus.PENDING)


@dataclass(frozen=True)
class GoodwillInput:
    """Goodwill as the case page's form gives it (``amount`` already parsed)."""

    kind: GoodwillKind
    amount: Decimal
    currency: str
    note: str = ""


@dataclass(frozen=True)
class MonthBudget:
    """A team's goodwill this month: approved, pending, the budget (``None``: no budget)."""

    currency: str
    approved: Decimal
    pending: Decimal
    budget: Decimal | None
    threshold: Decimal | None

    @property
    def remaining(self) -> Decimal | None:
        """What is left of the budget after approved and pending goodwill."""
        if self.budget is None:
            return None
        return self.budget - self.approved - self.pending


def is_team_manager(user: User, team_id: int | None) -> bool:
    """Whether ``user`` approves goodwill of ``team_id``: an admin, or one of its managers."""
    if not user.is_active:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.MANAGER and (team_id is None or team_id in access.team_ids(user))


def record_goodwill(
    session: Session, case: Case, data: GoodwillInput, *, actor: User, clock: Clock
) -> Goodwill:
    """Record goodwill on ``case`` for its team (see the module doc for approval and budget).

    Raises ``PermissionDenied`` and ``ValidationFailed`` per field (amount, currency, note).
    Flushes.
    """
    access.check_may_work(actor, case)
    settings = _settings(session, case.team_id)
    _check_input(data, settings)
    manager = is_team_manager(actor, case.team_id)
    month = month_budget(session, case.team_id, clock=clock)
    if (
        settings is not None
        and exceeds_budget(month.approved + month.pending, data.amount, settings.monthly_budget)
        and not manager
    ):
        raise ValidationFailed.on_field(
            "amount",
            N_(
                "This goes past the team's goodwill budget for this month. "
                "A manager of the team can still record it."
            ),
        )
    threshold = settings.approval_threshold if settings is not None else None
    pending = needs_approval(data.amount, threshold) and not manager
    now = clock.now()
    entry = Goodwill(
        case_id=case.id,
        team_id=case.team_id,
        kind=data.kind,
        amount=data.amount,
        currency=data.currency,
        note=data.note.strip(),
        status=GoodwillStatus.PENDING if pending else GoodwillStatus.APPROVED,
        recorded_at=now,
        recorded_by_id=actor.id,
        decided_at=None if pending else now,
        decided_by_id=None if pending else actor.id,
    )
    session.add(entry)
    session.flush()
    add_event(
        session,
        case.id,
        CaseEventKind.GOODWILL,
        actor=actor,
        clock=clock,
        body=entry.note,
        details=_details(entry),
    )
    session.flush()
    log.info("Goodwill %s on case %s by %s (%s)", entry.id, case.id, actor.id, entry.status)
    return entry


def decide_goodwill(
    session: Session, case: Case, goodwill_id: int, *, approve: bool, actor: User, clock: Clock
) -> Goodwill:
    """Approve or reject pending goodwill of ``case``; a manager of its team or an admin.

    Raises ``NotFound``, ``PermissionDenied`` and ``Conflict`` (already decided). Flushes.
    """
    entry = session.get(Goodwill, goodwill_id)
    if entry is None or entry.case_id != case.id:
        raise NotFound(N_("This goodwill entry does not exist."))
    if not is_team_manager(actor, entry.team_id):
        raise PermissionDenied(N_("Only a manager of the team approves goodwill."))
    if entry.status != GoodwillStatus.PENDING:
        raise Conflict(N_("This goodwill was already approved or rejected."))
    entry.status = GoodwillStatus.APPROVED if approve else GoodwillStatus.REJECTED
    entry.decided_at = clock.now()
    entry.decided_by_id = actor.id
    add_event(
        session,
        case.id,
        CaseEventKind.GOODWILL_DECIDED,
        actor=actor,
        clock=clock,
        details=_details(entry),
    )
    session.flush()
    log.info("Goodwill %s %s by %s", entry.id, entry.status, actor.id)
    return entry


def goodwill_of_case(session: Session, case_id: int) -> Sequence[Goodwill]:
    """The goodwill entries of a case, oldest first."""
    return session.scalars(
        select(Goodwill)
        .where(Goodwill.case_id == case_id)
        .order_by(Goodwill.recorded_at, Goodwill.id)
    ).all()


def month_budget(session: Session, team_id: int | None, *, clock: Clock) -> MonthBudget:
    """The team's goodwill of the current month (in its time zone) against its budget."""
    settings = _settings(session, team_id)
    currency = settings.currency if settings is not None else CURRENCIES[0]
    budget = settings.monthly_budget if settings is not None else None
    threshold = settings.approval_threshold if settings is not None else None
    if team_id is None:
        return MonthBudget(currency, Decimal("0.00"), Decimal("0.00"), budget, threshold)
    start = _month_start(session, team_id, clock.now())
    sums = dict(
        session.execute(
            select(Goodwill.status, func.coalesce(func.sum(Goodwill.amount), 0))
            .where(
                Goodwill.team_id == team_id,
                Goodwill.currency == currency,
                Goodwill.recorded_at >= start,
                Goodwill.status.in_(COUNTED),
            )
            .group_by(Goodwill.status)
        ).all()
    )
    return MonthBudget(
        currency,
        Decimal(sums.get(GoodwillStatus.APPROVED, 0)).quantize(Decimal("0.01")),
        Decimal(sums.get(GoodwillStatus.PENDING, 0)).quantize(Decimal("0.01")),
        budget,
        threshold,
    )


def _month_start(session: Session, team_id: int, now: datetime) -> datetime:
    sla = session.get(TeamCaseSettings, team_id)
    zone = ZoneInfo(sla.timezone if sla is not None else "UTC")
    local = now.astimezone(zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def _settings(session: Session, team_id: int | None) -> TeamRecoverySettings | None:
    return session.get(TeamRecoverySettings, team_id) if team_id is not None else None


def _check_input(data: GoodwillInput, settings: TeamRecoverySettings | None) -> None:
    errors: dict[str, str] = {}
    if data.currency not in CURRENCIES:
        errors["currency"] = N_("Choose a currency from the list.")
    elif (
        settings is not None
        and settings.monthly_budget is not None
        and data.currency != settings.currency
    ):
        errors["currency"] = N_("This team budgets goodwill in its own currency; use that one.")
    if not Decimal("0") < data.amount <= MAX_AMOUNT:
        errors["amount"] = N_("Enter an amount above 0 with at most two decimals.")
    if len(data.note.strip()) > MAX_NOTE_LENGTH:
        errors["note"] = N_("Use at most 1,000 characters.")
    if errors:
        raise ValidationFailed(N_("Please check the marked fields."), errors)


def _details(entry: Goodwill) -> dict[str, object]:
    return {
        "goodwill_id": entry.id,
        "kind": entry.kind.value,
        "amount": f"{entry.amount:.2f}",
        "currency": entry.currency,
        "status": entry.status.value,
    }
