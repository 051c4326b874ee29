"""Translated labels of the recovery tools: goodwill, playbooks, re-survey timeline entries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from surveyapp.domain.case_recovery import GoodwillKind, GoodwillStatus, PlaybookTrigger
from surveyapp.domain.case_states import CaseEventKind
from surveyapp.web.touchpoints.labels import REASON_LABELS

GOODWILL_KIND_LABELS: dict[str, Any] = {
    GoodwillKind.REFUND: _l("Refund"),
    GoodwillKind.VOUCHER: _l("Voucher"),
    GoodwillKind.GIFT: _l("Gift"),
    GoodwillKind.OTHER: _l("Other"),
}
GOODWILL_STATUS_LABELS: dict[str, Any] = {
    GoodwillStatus.APPROVED: _l("approved"),
    GoodwillStatus.PENDING: _l("waiting for a manager's approval"),
    GoodwillStatus.REJECTED: _l("rejected"),
}
TRIGGER_LABELS: dict[str, Any] = {
    PlaybookTrigger.SCORE_BAND: _l("a score band"),
    PlaybookTrigger.ROOT_CAUSE: _l("a root cause"),
}
RECOVERY_EVENT_LABELS: dict[str, Any] = {
    CaseEventKind.PLAYBOOK_TICKED: _l("Checklist item done"),
    CaseEventKind.PLAYBOOK_UNTICKED: _l("Checklist item no longer done"),
    CaseEventKind.GOODWILL: _l("Goodwill recorded"),
    CaseEventKind.GOODWILL_DECIDED: _l("Goodwill decided"),
    CaseEventKind.RESURVEYED: _l("Re-survey planned"),
    CaseEventKind.RESURVEY_ANSWERED: _l("Re-survey answered"),
}


def playbook_facts(details: Mapping[str, Any]) -> list[Any]:
    """The playbook a ticked item belongs to."""
    return [_("Playbook: %(name)s", name=details.get("playbook", ""))]


def goodwill_facts(details: Mapping[str, Any]) -> list[Any]:
    """What was given, how much, and whether it counts yet."""
    kind = GOODWILL_KIND_LABELS.get(str(details.get("kind")), details.get("kind"))
    status = GOODWILL_STATUS_LABELS.get(str(details.get("status")), details.get("status"))
    return [
        _(
            "%(kind)s of %(amount)s %(currency)s: %(status)s",
            kind=kind,
            amount=format_decimal(Decimal(str(details.get("amount", "0"))), format="#,##0.00"),
            currency=details.get("currency", ""),
            status=status,
        )
    ]


def resurvey_facts(details: Mapping[str, Any]) -> list[Any]:
    """Whether the re-survey went out, and what the customer answered."""
    if "recovered" in details:
        verdict = (
            _("The customer recovered.")
            if details.get("recovered")
            else _("The customer is still unhappy.")
        )
        return [_("Score: %(score)s", score=details.get("score")), verdict]
    state = details.get("state")
    if state == "queued":
        return [_("The invitation is queued for sending.")]
    if state == "suppressed":
        return [
            _(
                "Not sent: %(reasons)s",
                reasons=", ".join(str(REASON_LABELS.get(r, r)) for r in details.get("reasons", [])),
            )
        ]
    return [_("No re-survey possible: no known customer or email rule.")]


RECOVERY_DESCRIBERS: dict[str, Callable[[Mapping[str, Any]], list[Any]]] = {
    CaseEventKind.PLAYBOOK_TICKED: playbook_facts,
    CaseEventKind.PLAYBOOK_UNTICKED: playbook_facts,
    CaseEventKind.GOODWILL: goodwill_facts,
    CaseEventKind.GOODWILL_DECIDED: goodwill_facts,
    CaseEventKind.RESURVEYED: resurvey_facts,
    CaseEventKind.RESURVEY_ANSWERED: resurvey_facts,
}
