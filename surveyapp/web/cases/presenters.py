"""The case page's timeline and due times as the template shows them (translated text)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from surveyapp.domain.case_states import CaseEventKind
from surveyapp.models import Case, CaseEvent, CaseMail
from surveyapp.services.cases.inbox import next_due
from surveyapp.web.cases.labels import (
    EVENT_LABELS,
    MAIL_STATE_LABELS,
    PARTY_LABELS,
    PRIORITY_LABELS,
    REASON_LABELS,
    STATUS_LABELS,
)
from surveyapp.web.cases.recovery_labels import RECOVERY_DESCRIBERS


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline: when, who, what, and the text written (if any)."""

    kind: str
    occurred_at: datetime
    who: Any
    title: Any
    body: str = ""
    facts: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class DueState:
    """A case's next due time and whether it is overdue."""

    label: Any
    due_at: datetime
    is_overdue: bool


def due_state(case: Case, now: datetime) -> DueState:
    """The next due time: the first action until it happened, then the resolution."""
    due_at, overdue = next_due(now, case)
    label = _l("First action due") if case.first_action_at is None else _l("Resolution due")
    return DueState(label, due_at, overdue)


def timeline(events: Sequence[CaseEvent], mails: Mapping[int, CaseMail]) -> list[TimelineEntry]:
    """The case's events, oldest first, in words."""
    return [_entry(event, mails) for event in events]


def _entry(event: CaseEvent, mails: Mapping[int, CaseMail]) -> TimelineEntry:
    who = (
        PARTY_LABELS.get(event.actor_label, event.actor_label)
        if event.actor_id is None
        else (event.actor_label)
    )
    return TimelineEntry(
        kind=event.kind,
        occurred_at=event.occurred_at,
        who=who,
        title=EVENT_LABELS.get(event.kind, event.kind),
        body=event.body,
        facts=_facts(event, mails),
    )


def _facts(event: CaseEvent, mails: Mapping[int, CaseMail]) -> list[Any]:
    details: dict[str, Any] = event.details or {}
    if event.kind == CaseEventKind.MESSAGE:
        return _message_facts(details, mails)
    describe = _DESCRIBERS.get(event.kind)
    return describe(details) if describe is not None else []


def _opened_facts(details: Mapping[str, Any]) -> list[Any]:
    reasons = ", ".join(str(REASON_LABELS.get(r, r)) for r in details.get("reasons", []))
    facts: list[Any] = [_("Why: %(reasons)s", reasons=reasons)]
    if details.get("priority"):
        facts.append(_("Priority: %(priority)s", priority=PRIORITY_LABELS.get(details["priority"])))
    if details.get("keywords"):
        facts.append(_("Keywords: %(words)s", words=", ".join(details["keywords"])))
    return facts


def _status_facts(details: Mapping[str, Any]) -> list[Any]:
    before, after = str(details.get("from")), str(details.get("to"))
    return [
        _(
            "%(before)s → %(after)s",
            before=STATUS_LABELS.get(before, before),
            after=STATUS_LABELS.get(after, after),
        )
    ]


def _call_facts(details: Mapping[str, Any]) -> list[Any]:
    if "reached" not in details:
        return []
    if details["reached"]:
        return [_("Reached the customer")]
    return [_("Did not reach the customer")]


def _tag_facts(details: Mapping[str, Any]) -> list[Any]:
    facts = []
    if details.get("added"):
        facts.append(_("Added: %(names)s", names=", ".join(details["added"])))
    if details.get("removed"):
        facts.append(_("Removed: %(names)s", names=", ".join(details["removed"])))
    return facts


def _told_facts(details: Mapping[str, Any]) -> list[Any]:
    if not details.get("told"):
        return []
    return [_("Told: %(people)s", people=", ".join(details["told"]))]


def _message_facts(details: Mapping[str, Any], mails: Mapping[int, CaseMail]) -> list[Any]:
    facts = [_("To %(address)s", address=details.get("to", ""))]
    mail = mails.get(details.get("mail_id", 0))
    if mail is not None:
        facts.append(_("Email %(state)s", state=MAIL_STATE_LABELS.get(mail.state)))
    return facts


def _assignment_facts(details: Mapping[str, Any]) -> list[Any]:
    owner = details.get("owner") or _("nobody (the team's queue)")
    facts = [_("Owner: %(name)s", name=owner)]
    if details.get("team"):
        facts.append(_("Team: %(name)s", name=details["team"]))
    if details.get("round_robin"):
        facts.append(_("By round-robin"))
    return facts


_DESCRIBERS: dict[str, Callable[[Mapping[str, Any]], list[Any]]] = {
    CaseEventKind.OPENED: _opened_facts,
    CaseEventKind.STATUS: _status_facts,
    CaseEventKind.ASSIGNED: _assignment_facts,
    CaseEventKind.CALL: _call_facts,
    CaseEventKind.TAGGED: _tag_facts,
    CaseEventKind.REMINDED: _told_facts,
    CaseEventKind.ESCALATED: _told_facts,
    **RECOVERY_DESCRIBERS,
}
