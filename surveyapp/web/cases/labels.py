"""Translated labels of case statuses, priorities, bands, reasons and timeline entries."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from surveyapp.domain.case_mail import CaseMailState, CustomerVerdict
from surveyapp.domain.case_rules import CasePriority, CaseReason, ScoreBand
from surveyapp.domain.case_states import CaseEventKind, CaseStatus
from surveyapp.services.cases.inbox import CaseAge, InboxSort, InboxView
from surveyapp.web.cases.recovery_labels import (
    GOODWILL_KIND_LABELS,
    GOODWILL_STATUS_LABELS,
    RECOVERY_EVENT_LABELS,
)

STATUS_LABELS: dict[str, Any] = {
    CaseStatus.NEW: _l("New"),
    CaseStatus.IN_PROGRESS: _l("In progress"),
    CaseStatus.WAITING_ON_CUSTOMER: _l("Waiting on customer"),
    CaseStatus.RESOLVED: _l("Resolved"),
    CaseStatus.CLOSED: _l("Closed"),
}
# The button that moves a case to each status.
MOVE_LABELS: dict[str, Any] = {
    CaseStatus.IN_PROGRESS: _l("Back to in progress"),
    CaseStatus.WAITING_ON_CUSTOMER: _l("Wait on customer"),
    CaseStatus.RESOLVED: _l("Resolve"),
    CaseStatus.CLOSED: _l("Close"),
}
PRIORITY_LABELS: dict[str, Any] = {
    CasePriority.LOW: _l("Low"),
    CasePriority.NORMAL: _l("Normal"),
    CasePriority.HIGH: _l("High"),
    CasePriority.URGENT: _l("Urgent"),
}
BAND_LABELS: dict[str, Any] = {
    ScoreBand.VERY_UNHAPPY: _l("Very unhappy (NPS 0-3, CSAT 1, CES 1-2)"),
    ScoreBand.UNHAPPY: _l("Unhappy (NPS 4-6, CSAT 2, CES 3)"),
    ScoreBand.NEUTRAL: _l("Neutral (NPS 7-8, CSAT 3, CES 4)"),
    ScoreBand.HAPPY: _l("Happy (NPS 9-10, CSAT 4-5, CES 5-7)"),
    ScoreBand.NONE: _l("No score"),
}
REASON_LABELS: dict[str, Any] = {
    CaseReason.SCORE: _l("Low score"),
    CaseReason.OPTION: _l("Chosen option"),
    CaseReason.KEYWORD: _l("Keyword in a comment"),
    CaseReason.CONTACT_REQUEST: _l("Asked to be contacted"),
}
VIEW_LABELS: dict[str, Any] = {
    InboxView.MINE: _l("Mine"),
    InboxView.TEAM: _l("My teams"),
    InboxView.UNASSIGNED: _l("Unassigned"),
    InboxView.OVERDUE: _l("Overdue"),
    InboxView.ALL: _l("All"),
}
SORT_LABELS: dict[str, Any] = {
    InboxSort.URGENCY: _l("Most urgent first"),
    InboxSort.DUE: _l("Due soonest first"),
    InboxSort.NEWEST: _l("Newest first"),
    InboxSort.OLDEST: _l("Oldest first"),
    InboxSort.UPDATED: _l("Recently changed first"),
}
AGE_LABELS: dict[str, Any] = {
    CaseAge.DAY: _l("Opened in the last 24 hours"),
    CaseAge.WEEK: _l("Opened in the last 7 days"),
    CaseAge.MONTH: _l("Opened in the last 30 days"),
    CaseAge.OLDER: _l("Opened more than 30 days ago"),
}
EVENT_LABELS: dict[str, Any] = {
    CaseEventKind.OPENED: _l("Case opened"),
    CaseEventKind.NOTE: _l("Note"),
    CaseEventKind.CALL: _l("Call logged"),
    CaseEventKind.MESSAGE: _l("Message to the customer"),
    CaseEventKind.STATUS: _l("Status changed"),
    CaseEventKind.ASSIGNED: _l("Assigned"),
    CaseEventKind.TAGGED: _l("Root causes changed"),
    CaseEventKind.RESOLUTION: _l("Resolution written"),
    CaseEventKind.REMINDED: _l("Overdue: reminder sent"),
    CaseEventKind.ESCALATED: _l("Escalated to the team's managers"),
    CaseEventKind.CUSTOMER_SOLVED: _l("The customer says the issue is solved"),
    CaseEventKind.CUSTOMER_NOT_SOLVED: _l("The customer says the issue is not solved"),
    CaseEventKind.MAIL_FAILED: _l("The message could not be delivered"),
    **RECOVERY_EVENT_LABELS,
}
MAIL_STATE_LABELS: dict[str, Any] = {
    CaseMailState.QUEUED: _l("waiting to be sent"),
    CaseMailState.SENDING: _l("being sent"),
    CaseMailState.SENT: _l("sent"),
    CaseMailState.FAILED: _l("failed"),
    CaseMailState.UNCERTAIN: _l("uncertain"),
}
VERDICT_LABELS: dict[str, Any] = {
    CustomerVerdict.SOLVED: _l("Solved, says the customer"),
    CustomerVerdict.NOT_SOLVED: _l("Not solved, says the customer"),
}
PARTY_LABELS: dict[str, Any] = {"system": _l("surveyapp"), "customer": _l("The customer")}

LABELS: dict[str, Any] = {
    "status_labels": STATUS_LABELS,
    "move_labels": MOVE_LABELS,
    "priority_labels": PRIORITY_LABELS,
    "band_labels": BAND_LABELS,
    "reason_labels": REASON_LABELS,
    "view_labels": VIEW_LABELS,
    "event_labels": EVENT_LABELS,
    "mail_state_labels": MAIL_STATE_LABELS,
    "verdict_labels": VERDICT_LABELS,
    "party_labels": PARTY_LABELS,
    "goodwill_kind_labels": GOODWILL_KIND_LABELS,
    "goodwill_status_labels": GOODWILL_STATUS_LABELS,
}
