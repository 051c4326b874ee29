"""The rule form's input as ``RuleSettings``, and a stored rule as the form's initial data."""

from __future__ import annotations

from typing import Any

from surveyapp.domain.consent import ConsentChannel
from surveyapp.models import TriggerRule
from surveyapp.services.trigger_rules import RuleSettings
from surveyapp.web.touchpoints import rule_text
from surveyapp.web.touchpoints.rule_form import DELAY_UNITS, RuleForm


def rule_settings(form: RuleForm, touchpoint_id: int) -> RuleSettings:
    """The validated form's input as the service's ``RuleSettings``."""
    quiet: dict[str, Any] = {}
    if form.quiet_start.data:
        quiet.update(start=form.quiet_start.data, end=form.quiet_end.data)
    if form.quiet_days.data:
        quiet["days"] = sorted(form.quiet_days.data)
    strata: dict[str, Any] = {}
    if form.strata_attribute.data:
        strata = {
            "attribute": form.strata_attribute.data,
            "rates": rule_text.parse_stratum_rates(form.strata_rates.data),
        }
    return RuleSettings(
        name=form.name.data,
        touchpoint_id=touchpoint_id,
        survey_id=form.survey_id.data,
        channel=ConsentChannel(form.channel.data),
        delay_minutes=form.delay_value.data * DELAY_UNITS[form.delay_unit.data],
        sampling_rate=form.sampling_percent.data / 100,
        strata=strata,
        recontact_days_contact=form.recontact_days_contact.data,
        recontact_days_survey=form.recontact_days_survey.data,
        quiet=quiet,
        holidays=rule_text.parse_holidays(form.holidays.data),
        daily_cap=form.daily_cap.data,
        conditions=rule_text.parse_conditions(form.conditions.data),
        reminder_days=form.reminder_days.data,
        expiry_days=form.expiry_days.data,
        priority=form.priority.data,
        is_active=form.is_active.data,
        allow_anonymous=form.allow_anonymous.data,
    )


def rule_data(rule: TriggerRule) -> dict[str, Any]:
    """A stored rule as the form's initial data."""
    unit = next(u for u in ("days", "hours", "minutes") if rule.delay_minutes % DELAY_UNITS[u] == 0)
    quiet = rule.quiet or {}
    strata = rule.strata or {}
    return {
        "name": rule.name,
        "survey_id": rule.survey_id,
        "channel": rule.channel.value,
        "delay_value": rule.delay_minutes // DELAY_UNITS[unit],
        "delay_unit": unit,
        "sampling_percent": rule_text.parse_number(rule_text.percent_text(rule.sampling_rate)),
        "strata_attribute": strata.get("attribute", ""),
        "strata_rates": rule_text.stratum_rates_text(strata.get("rates", {})),
        "recontact_days_contact": rule.recontact_days_contact,
        "recontact_days_survey": rule.recontact_days_survey,
        "quiet_start": quiet.get("start", ""),
        "quiet_end": quiet.get("end", ""),
        "quiet_days": [int(day) for day in quiet.get("days", [])],
        "holidays": rule_text.holidays_text(rule.holidays or []),
        "daily_cap": rule.daily_cap,
        "conditions": rule_text.conditions_text(rule.conditions or []),
        "reminder_days": rule.reminder_days,
        "expiry_days": rule.expiry_days,
        "priority": rule.priority,
        "is_active": rule.is_active,
        "allow_anonymous": rule.allow_anonymous,
    }
