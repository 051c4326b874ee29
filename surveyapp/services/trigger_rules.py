"""Trigger rules: which survey an interaction triggers, on which channel, when and how often."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.consent import ConsentChannel
from surveyapp.domain.eligibility import CONDITION_OPERATORS
from surveyapp.domain.i18n import N_
from surveyapp.models import Survey, Touchpoint, TriggerRule, User
from surveyapp.services import audit
from surveyapp.services.errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

MAX_DELAY_MINUTES = 60 * 24 * 60
MAX_DAYS = 3650


@dataclass(frozen=True)
class RuleSettings:
    """Everything a CX owner sets on a rule (times as ``HH:MM``, days ISO 1-7)."""

    name: str
    touchpoint_id: int
    survey_id: int
    channel: ConsentChannel = ConsentChannel.EMAIL
    delay_minutes: int = 60
    sampling_rate: float = 1.0
    strata: dict[str, Any] = field(default_factory=dict)
    recontact_days_contact: int | None = 30
    recontact_days_survey: int | None = 90
    quiet: dict[str, Any] = field(default_factory=dict)
    holidays: list[dict[str, str]] = field(default_factory=list)
    daily_cap: int | None = None
    conditions: list[dict[str, Any]] = field(default_factory=list)
    reminder_days: int | None = None
    expiry_days: int = 14
    priority: int = 100
    is_active: bool = True
    allow_anonymous: bool = False


def list_rules(session: Session, touchpoint_id: int | None = None) -> Sequence[TriggerRule]:
    """Rules, optionally of one touchpoint, best priority first."""
    query = select(TriggerRule).order_by(TriggerRule.priority, TriggerRule.id)
    if touchpoint_id is not None:
        query = query.where(TriggerRule.touchpoint_id == touchpoint_id)
    return session.scalars(query).all()


def get_rule(session: Session, rule_id: int) -> TriggerRule:
    """The rule or ``NotFound``."""
    rule = session.get(TriggerRule, rule_id)
    if rule is None:
        raise NotFound(N_("This trigger rule does not exist."))
    return rule


def save_rule(
    session: Session,
    settings: RuleSettings,
    *,
    rule_id: int | None = None,
    clock: Clock,
    actor: User | None,
) -> TriggerRule:
    """Create a rule, or change the rule ``rule_id``; ``ValidationFailed`` names each bad field.

    Records ``rule.saved``. Flushes.
    """
    _validate(session, settings)
    now = clock.now()
    rule = get_rule(session, rule_id) if rule_id is not None else None
    if rule is None:
        rule = TriggerRule(created_at=now)
        session.add(rule)
    for name, value in settings.__dict__.items():
        setattr(rule, name, value)
    rule.name = settings.name.strip()
    rule.updated_at = now
    session.flush()
    audit.record(session, "rule.saved", clock=clock, actor=actor, target=rule)
    return rule


def _validate(session: Session, settings: RuleSettings) -> None:
    errors: dict[str, str] = {}
    if not settings.name.strip() or len(settings.name.strip()) > 120:  # noqa: PLR2004
        errors["name"] = N_("Enter a name of at most 120 characters.")
    if session.get(Touchpoint, settings.touchpoint_id) is None:
        errors["touchpoint_id"] = N_("Choose a touchpoint from the list.")
    if session.get(Survey, settings.survey_id) is None:
        errors["survey_id"] = N_("Choose a survey from the list.")
    if not 0 <= settings.delay_minutes <= MAX_DELAY_MINUTES:
        errors["delay_minutes"] = N_("Use a delay between 0 minutes and 60 days.")
    if not 0.0 <= settings.sampling_rate <= 1.0:
        errors["sampling_rate"] = N_("Use a sampling rate between 0 and 100 %.")
    for name in ("recontact_days_contact", "recontact_days_survey", "reminder_days", "daily_cap"):
        value = getattr(settings, name)
        if value is not None and not 0 < value <= MAX_DAYS * 100:
            errors[name] = N_("Use a positive whole number, or leave it empty.")
    if not 1 <= settings.expiry_days <= MAX_DAYS:
        errors["expiry_days"] = N_("Use an expiry between 1 and 3650 days.")
    errors.update(_quiet_errors(settings.quiet, settings.holidays))
    if not all(_condition_valid(c) for c in settings.conditions):
        errors["conditions"] = N_("Each condition needs a source, an attribute and an operator.")
    if settings.allow_anonymous and settings.channel != ConsentChannel.WEB:
        errors["allow_anonymous"] = N_("Only website rules can survey anonymous visitors.")
    if errors:
        raise ValidationFailed(N_("Please check the rule's settings."), errors)


def _quiet_errors(quiet: dict[str, Any], holidays: list[dict[str, str]]) -> dict[str, str]:
    errors = {}
    try:
        for key in ("start", "end"):
            if quiet.get(key):
                time.fromisoformat(quiet[key])
        for holiday in holidays:
            date.fromisoformat(holiday["date"])
    except (ValueError, KeyError, TypeError):
        errors["quiet"] = N_("Give times as HH:MM and holidays as YYYY-MM-DD.")
    if not all(isinstance(d, int) and 1 <= d <= 7 for d in quiet.get("days", [])):  # noqa: PLR2004
        errors["quiet"] = N_("Give quiet weekdays as numbers from 1 (Monday) to 7 (Sunday).")
    return errors


def _condition_valid(condition: dict[str, Any]) -> bool:
    return (
        condition.get("source") in ("interaction", "contact")
        and bool(str(condition.get("attribute", "")).strip())
        and condition.get("op") in CONDITION_OPERATORS
    )
