"""Recording what happened to claimed messages: sent, retried, failed, uncertain, suppressed.

Every update names the worker's lease, so a worker whose lease was taken away cannot overwrite
what the sweeper decided, except to record that its message did go out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from surveyapp.domain.dispatch import EventKind, MailKind, Outcome, SendResult, backoff
from surveyapp.domain.states import InvitationState, ReminderState, move_invitation
from surveyapp.domain.tokens import hash_token
from surveyapp.models import Invitation, SuppressedAddress
from surveyapp.services.dispatch.checks import Verdict
from surveyapp.services.dispatch.claims import Claim, record_events

_invitations: Table = Invitation.__table__  # type: ignore[assignment]

SMTP_REJECTED = "smtp_rejected"


@dataclass(frozen=True)
class Delivery:
    """One message handed to the transport and what came of it."""

    claim: Claim
    recipient: str
    result: SendResult
    reminder_after: timedelta | None = None


@dataclass(frozen=True)
class _Change:
    """The new column values of one invitation and the timeline event that explains them."""

    invitation_id: int
    kind: MailKind
    values: dict[str, Any]
    event: EventKind
    detail: str
    attempt: int
    tally: str


def record(
    session: Session,
    deliveries: Sequence[Delivery],
    *,
    worker_id: str,
    max_attempts: int,
    now: datetime,
) -> Counter[str]:
    """Store the outcomes of ``deliveries``; suppress addresses refused for good."""
    changes = [_change_for(d, max_attempts, now) for d in deliveries]
    _apply(session, changes, worker_id, now)
    refused = [d for d in deliveries if d.result.is_permanent_for_recipient]
    _suppress_addresses(session, refused, now)
    return Counter(change.tally for change in changes)


def record_verdicts(
    session: Session,
    stopped: Sequence[tuple[Claim, Verdict]],
    *,
    worker_id: str,
    now: datetime,
) -> Counter[str]:
    """Store the claims the send-time checks stopped: suppressed, or deferred to later."""
    changes = [_change_for_verdict(claim, verdict) for claim, verdict in stopped]
    _apply(session, changes, worker_id, now)
    return Counter(change.tally for change in changes)


def _change_for(delivery: Delivery, max_attempts: int, now: datetime) -> _Change:
    claim, result = delivery.claim, delivery.result
    if claim.kind == MailKind.REMINDER:
        return _reminder_change(claim, result, max_attempts, now)
    cleared: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None}
    if result.outcome == Outcome.SENT:
        due = now + delivery.reminder_after if delivery.reminder_after else None
        values = {"state": InvitationState.SENT, "sent_at": now, "last_error": None}
        values["reminder_due_at"] = due
        return _Change(
            claim.invitation_id, claim.kind, {**cleared, **values}, EventKind.SENT,
            result.detail, claim.attempt, "sent",
        )  # fmt: skip
    if result.outcome == Outcome.TEMPORARY and claim.attempt < max_attempts:
        values = {
            "state": InvitationState.QUEUED,
            "send_at": now + backoff(claim.attempt),
            "last_error": result.detail,
        }
        return _Change(
            claim.invitation_id, claim.kind, {**cleared, **values}, EventKind.RETRY,
            result.detail, claim.attempt, "retried",
        )  # fmt: skip
    if result.outcome == Outcome.UNCERTAIN:
        values = {"state": InvitationState.UNCERTAIN, "last_error": result.detail}
        return _Change(
            claim.invitation_id, claim.kind, {**cleared, **values}, EventKind.UNCERTAIN,
            result.detail, claim.attempt, "uncertain",
        )  # fmt: skip
    detail = _final_failure(result, claim.attempt)
    values = {"state": InvitationState.FAILED, "last_error": detail}
    return _Change(
        claim.invitation_id, claim.kind, {**cleared, **values}, EventKind.FAILED,
        detail, claim.attempt, "failed",
    )  # fmt: skip


def _reminder_change(claim: Claim, result: SendResult, max_attempts: int, now: datetime) -> _Change:
    cleared: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None}
    if result.outcome == Outcome.SENT:
        state, event, tally, detail = (
            ReminderState.SENT,
            EventKind.REMINDER_SENT,
            "sent",
            result.detail,
        )
        values: dict[str, Any] = {"reminder_state": state}
    elif result.outcome == Outcome.TEMPORARY and claim.attempt < max_attempts:
        values = {
            "reminder_state": ReminderState.DUE,
            "reminder_due_at": now + backoff(claim.attempt),
        }
        event, tally, detail = EventKind.RETRY, "retried", result.detail
    elif result.outcome == Outcome.UNCERTAIN:
        values = {"reminder_state": ReminderState.UNCERTAIN}
        event, tally, detail = EventKind.REMINDER_UNCERTAIN, "uncertain", result.detail
    else:
        detail = _final_failure(result, claim.attempt)
        values = {"reminder_state": ReminderState.FAILED}
        event, tally = EventKind.REMINDER_FAILED, "failed"
    return _Change(
        claim.invitation_id, claim.kind, {**cleared, **values}, event, detail, claim.attempt, tally
    )


def _change_for_verdict(claim: Claim, verdict: Verdict) -> _Change:
    cleared: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None}
    if verdict.defer_until is not None:
        detail = f"quiet hours: moved to {verdict.defer_until.isoformat()}"
        if claim.kind == MailKind.REMINDER:
            values: dict[str, Any] = {
                "reminder_state": ReminderState.DUE,
                "reminder_due_at": verdict.defer_until,
                "reminder_attempts": _invitations.c.reminder_attempts - 1,
            }
        else:
            values = {
                "state": InvitationState.QUEUED,
                "send_at": verdict.defer_until,
                "attempts": _invitations.c.attempts - 1,
            }
        return _Change(
            claim.invitation_id, claim.kind, {**cleared, **values}, EventKind.DEFERRED,
            detail, claim.attempt, "deferred",
        )  # fmt: skip
    detail = ", ".join(verdict.reasons)
    if claim.kind == MailKind.REMINDER:
        values = {"reminder_state": ReminderState.SKIPPED}
    else:
        values = {
            "state": InvitationState.SUPPRESSED,
            "send_at": None,
            "suppression_reasons": list(verdict.reasons),
        }
    return _Change(
        claim.invitation_id, claim.kind, {**cleared, **values}, EventKind.SUPPRESSED,
        detail, claim.attempt, "suppressed",
    )  # fmt: skip


def _final_failure(result: SendResult, attempt: int) -> str:
    if result.outcome == Outcome.TEMPORARY:
        return f"gave up after {attempt} attempts; last: {result.detail}"[:500]
    return result.detail


def _apply(session: Session, changes: Sequence[_Change], worker_id: str, now: datetime) -> None:
    """One executemany per shape of change; only rows still under this worker's lease move."""
    by_shape: dict[tuple[MailKind, tuple[str, ...]], list[_Change]] = {}
    for change in changes:
        _check_transition(change)
        by_shape.setdefault((change.kind, tuple(sorted(change.values))), []).append(change)
    for (kind, columns), group in by_shape.items():
        _apply_group(session, kind, columns, group, worker_id)
    record_events(
        session,
        [(c.invitation_id, c.event, c.detail, c.attempt) for c in changes],
        worker_id=worker_id,
        now=now,
    )


def _apply_group(
    session: Session,
    kind: MailKind,
    columns: tuple[str, ...],
    group: Sequence[_Change],
    worker_id: str,
) -> None:
    expressions = {name: v for name, v in group[0].values.items() if not _is_literal(v)}
    literals = [name for name in columns if name not in expressions]
    # A sweeper may have marked the send uncertain meanwhile; the truth still wins.
    column = _invitations.c.state if kind == MailKind.INVITATION else _invitations.c.reminder_state
    sending, uncertain = (
        (InvitationState.SENDING, InvitationState.UNCERTAIN)
        if kind == MailKind.INVITATION
        else (ReminderState.SENDING, ReminderState.UNCERTAIN)
    )
    # Literal comparisons, not IN: an expanding IN cannot run as executemany.
    still_ours = or_(column == sending, column == uncertain)
    statement = (
        _invitations.update()
        .where(
            _invitations.c.id == bindparam("b_id"),
            _invitations.c.lease_owner == worker_id,
            still_ours,
        )
        .values(**{name: bindparam(f"b_{name}") for name in literals}, **expressions)
    )
    session.execute(
        statement,
        [
            {"b_id": c.invitation_id, **{f"b_{name}": c.values[name] for name in literals}}
            for c in group
        ],
    )


def _is_literal(value: Any) -> bool:
    return not hasattr(value, "compile")


def _check_transition(change: _Change) -> None:
    target = change.values.get("state")
    if isinstance(target, InvitationState):
        move_invitation(InvitationState.SENDING, target)


def _suppress_addresses(session: Session, refused: Sequence[Delivery], now: datetime) -> None:
    if not refused:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = {
        hash_token(d.recipient.strip().lower()): {
            "email_hash": hash_token(d.recipient.strip().lower()),
            "reason": SMTP_REJECTED,
            "created_at": now,
            "detail": d.result.detail,
        }
        for d in refused
    }
    session.execute(insert(SuppressedAddress).on_conflict_do_nothing(), list(rows.values()))
