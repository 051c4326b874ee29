"""Translated names for timeline events, reminder states and suppression reasons."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from surveyapp.domain.dispatch import EventKind
from surveyapp.domain.states import ReminderState
from surveyapp.web.contacts.labels import ADDRESS_SUPPRESSION_LABELS
from surveyapp.web.touchpoints.labels import REASON_LABELS, STATE_LABELS, label

EVENT_LABELS: dict[str, Any] = {
    EventKind.CLAIMED.value: _l("Claimed by a worker"),
    EventKind.SENT.value: _l("Sent"),
    EventKind.RETRY.value: _l("Temporary failure, will retry"),
    EventKind.FAILED.value: _l("Failed"),
    EventKind.UNCERTAIN.value: _l("Uncertain: may have been sent"),
    EventKind.SUPPRESSED.value: _l("Not sent (suppressed)"),
    EventKind.DEFERRED.value: _l("Deferred (quiet hours)"),
    EventKind.RELEASED.value: _l("Given back unsent"),
    EventKind.REPLAYED.value: _l("Queued again by hand"),
    EventKind.REMINDER_DUE.value: _l("Reminder due"),
    EventKind.REMINDER_SENT.value: _l("Reminder sent"),
    EventKind.REMINDER_FAILED.value: _l("Reminder failed"),
    EventKind.REMINDER_UNCERTAIN.value: _l("Reminder uncertain: may have been sent"),
    EventKind.EXPIRED.value: _l("Expired"),
    EventKind.BOUNCED.value: _l("Bounced"),
    EventKind.COMPLAINED.value: _l("Reported as spam"),
}

REMINDER_LABELS: dict[str, Any] = {
    ReminderState.DUE.value: _l("Due"),
    ReminderState.SENDING.value: _l("Sending"),
    ReminderState.SENT.value: _l("Sent"),
    ReminderState.FAILED.value: _l("Failed"),
    ReminderState.UNCERTAIN.value: _l("Uncertain (may have been sent)"),
    ReminderState.SKIPPED.value: _l("Skipped"),
}

# Why an invitation was not sent: planning's reasons and those of the checks at send time.
SUPPRESSION_LABELS: dict[str, Any] = {
    **REASON_LABELS,
    "consent_withdrawn": _l("Consent withdrawn"),
    "expired": _l("Expired before it could be sent"),
}

LABELS = {
    "label": label,
    "state_labels": STATE_LABELS,
    "event_labels": EVENT_LABELS,
    "reminder_labels": REMINDER_LABELS,
    "suppression_labels": SUPPRESSION_LABELS,
    "address_labels": ADDRESS_SUPPRESSION_LABELS,
}
