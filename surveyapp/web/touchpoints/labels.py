"""Translated labels for channels, weekdays, invitation states and planning checks."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from surveyapp.domain.consent import ConsentChannel, ConsentPolicy
from surveyapp.domain.states import InvitationState

CHANNEL_LABELS: dict[str, Any] = {
    ConsentChannel.EMAIL.value: _l("Email"),
    ConsentChannel.WEB.value: _l("Website (embedded survey)"),
}

WEEKDAY_LABELS: dict[int, Any] = {
    1: _l("Monday"),
    2: _l("Tuesday"),
    3: _l("Wednesday"),
    4: _l("Thursday"),
    5: _l("Friday"),
    6: _l("Saturday"),
    7: _l("Sunday"),
}

STATE_LABELS: dict[str, Any] = {
    InvitationState.PLANNED.value: _l("Planned"),
    InvitationState.QUEUED.value: _l("Queued"),
    InvitationState.SUPPRESSED.value: _l("Not sent (suppressed)"),
    InvitationState.SENDING.value: _l("Sending"),
    InvitationState.SENT.value: _l("Sent"),
    InvitationState.ANSWERED.value: _l("Answered"),
    InvitationState.EXPIRED.value: _l("Expired"),
    InvitationState.FAILED.value: _l("Failed"),
    InvitationState.UNCERTAIN.value: _l("Uncertain (may have been sent)"),
    InvitationState.CANCELLED.value: _l("Cancelled"),
}

CHECK_LABELS: dict[str, Any] = {
    "survey": _l("Survey published"),
    "conditions": _l("Conditions"),
    "address": _l("Email address"),
    "consent": _l("Consent"),
    "recontact_contact": _l("Recontact period (any survey)"),
    "recontact_survey": _l("Recontact period (this survey)"),
    "sampling": _l("Sampling"),
    "daily_cap": _l("Daily cap"),
    "quiet_hours": _l("Quiet hours"),
    "visitor": _l("Website visitor"),
}

# Short names of the reasons a check fails, for totals.
REASON_LABELS: dict[str, Any] = {
    "survey_not_published": _l("Survey not published"),
    "condition": _l("A condition does not hold"),
    "no_email": _l("No email address"),
    "suppressed_address": _l("Email address suppressed"),
    "no_consent": _l("No consent"),
    "recontact_contact": _l("Asked recently (any survey)"),
    "recontact_survey": _l("Asked this survey recently"),
    "sampling": _l("Not drawn in the sample"),
    "daily_cap": _l("Daily cap reached"),
}

POLICY_SENTENCES: dict[str, Any] = {
    ConsentPolicy.OPT_IN.value: _l("Policy: opt-in — no survey without a grant."),
    ConsentPolicy.OPT_OUT.value: _l("Policy: opt-out — surveyed unless the contact objected."),
}

# Why an interaction has no invitation at all (see interaction_history.InteractionStory).
MISSING_SENTENCES: dict[str, Any] = {
    "no_active_rule": _l(
        "No invitation was planned: this touchpoint has no active rule. Add or activate a rule."
    ),
    "rule_added_later": _l(
        "No invitation was planned: the touchpoint's active rules were added or changed after "
        "this interaction arrived, and rules only apply to interactions that arrive later."
    ),
    "survey_not_published": _l(
        "No invitation was planned: the rule's survey has no published version. "
        "Publish the survey first."
    ),
    "not_planned": _l(
        "No invitation was planned: when this interaction arrived, no rule was ready to send "
        "(inactive, or its survey was not published yet)."
    ),
}


def label(labels: dict[Any, Any], key: Any) -> str:
    """The translated label for ``key``, or the key itself when there is none."""
    found = labels.get(key)
    return str(found) if found is not None else str(key)
