"""A team's recovery settings (service layer): goodwill budget and threshold, re-survey.

Admins, CX owners and the team's own managers change them, as they do the team's SLA.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from surveyapp.domain.case_recovery import CURRENCIES, MAX_AMOUNT
from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.roles import Role
from surveyapp.models import Team, TeamRecoverySettings, User
from surveyapp.services import audit
from surveyapp.services.cases.access import team_ids
from surveyapp.services.errors import NotFound, PermissionDenied, ValidationFailed

log = logging.getLogger(__name__)

MAX_RESURVEY_DAYS = 90
EDITORS = frozenset({Role.ADMIN, Role.CX_OWNER, Role.MANAGER})


@dataclass(frozen=True)
class RecoverySettings:
    """The recovery settings as the form gives them (``None``: no budget, no threshold, off)."""

    currency: str = CURRENCIES[0]
    monthly_budget: Decimal | None = None
    approval_threshold: Decimal | None = None
    resurvey_after_days: int | None = None


def find_recovery_settings(session: Session, team_id: int) -> TeamRecoverySettings | None:
    """The team's recovery settings, if it has any (otherwise: no budget, no re-survey)."""
    return session.get(TeamRecoverySettings, team_id)


def save_recovery_settings(
    session: Session, team_id: int, data: RecoverySettings, *, actor: User, clock: Clock
) -> TeamRecoverySettings:
    """Create or replace the team's recovery settings.

    Switching the re-survey on starts it for cases resolved from now on (never for older
    ones). Raises ``NotFound``, ``PermissionDenied`` (a manager of another team) and
    ``ValidationFailed`` per field. Records ``team_recovery.saved``. Flushes.
    """
    if session.get(Team, team_id) is None:
        raise NotFound(N_("This team does not exist."))
    if actor.role not in EDITORS or (actor.role == Role.MANAGER and team_id not in team_ids(actor)):
        raise PermissionDenied(N_("Managers set the case settings of their own teams only."))
    _check(data)
    now = clock.now()
    row = session.get(TeamRecoverySettings, team_id)
    if row is None:
        row = TeamRecoverySettings(team_id=team_id, resurvey_since=None)
        session.add(row)
    was_on = row.resurvey_after_days is not None
    row.currency = data.currency
    row.monthly_budget = data.monthly_budget
    row.approval_threshold = data.approval_threshold
    row.resurvey_after_days = data.resurvey_after_days
    if data.resurvey_after_days is None:
        row.resurvey_since = None
    elif not was_on:
        row.resurvey_since = now
    row.updated_at = now
    session.flush()
    audit.record(
        session, "team_recovery.saved", clock=clock, actor=actor, details={"team": team_id}
    )
    log.info("Recovery settings of team %s saved by %s", team_id, actor.id)
    return row


def _check(data: RecoverySettings) -> None:
    errors: dict[str, str] = {}
    if data.currency not in CURRENCIES:
        errors["currency"] = N_("Choose a currency from the list.")
    for name in ("monthly_budget", "approval_threshold"):
        value = getattr(data, name)
        if value is not None and not Decimal("0") <= value <= MAX_AMOUNT:
            errors[name] = N_("Enter an amount of 0 or more with at most two decimals.")
    days = data.resurvey_after_days
    if days is not None and not 1 <= days <= MAX_RESURVEY_DAYS:
        errors["resurvey_after_days"] = N_("Enter a number of days between 1 and 90.")
    if errors:
        raise ValidationFailed(N_("Please check the marked fields."), errors)
