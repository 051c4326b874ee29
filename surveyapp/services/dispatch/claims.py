"""Claims on due work: a lease with an owner and an expiry, taken in one statement.

On PostgreSQL the due rows are picked with ``FOR UPDATE SKIP LOCKED``, so any number of workers
share the queue without waiting on each other; SQLite has one writer at a time and runs one
worker. A lease that runs out while its message is being sent makes the send *uncertain*: it
is never repeated automatically (DESIGN.md §5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, ColumnElement, CursorResult, Table, bindparam, insert, select
from sqlalchemy.orm import Session

from surveyapp.domain.dispatch import EventKind, MailKind, invitation_token
from surveyapp.domain.states import InvitationState, ReminderState, move_invitation
from surveyapp.domain.tokens import hash_token
from surveyapp.models import Channel, Invitation, InvitationEvent

_invitations: Table = Invitation.__table__  # type: ignore[assignment]
_events: Table = InvitationEvent.__table__  # type: ignore[assignment]

LEASE_RAN_OUT = "the worker's lease ran out before the send was recorded"


@dataclass(frozen=True)
class Claim:
    """One message this worker may send: the invitation, which mail, which attempt."""

    invitation_id: int
    kind: MailKind
    attempt: int
    lease_expires_at: datetime


def claim_due(
    session: Session,
    *,
    worker_id: str,
    limit: int,
    lease: timedelta,
    now: datetime,
    secret: str,
) -> list[Claim]:
    """Claim up to ``limit`` due invitations, then due reminders, for ``worker_id``.

    A first send gets its real link token here (derived from ``secret``, only its hash is
    stored), so the link works from the moment the message can leave.
    """
    expires = now + lease
    claims = _claim_invitations(session, worker_id, limit, expires, now)
    _install_tokens(session, [claim.invitation_id for claim in claims], secret)
    if len(claims) < limit:
        claims += _claim_reminders(session, worker_id, limit - len(claims), expires, now)
    return claims


def _claim_invitations(
    session: Session, worker_id: str, limit: int, expires: datetime, now: datetime
) -> list[Claim]:
    move_invitation(InvitationState.QUEUED, InvitationState.SENDING)
    rows = _lease_due(
        session,
        due=(
            _invitations.c.state == InvitationState.QUEUED,
            _invitations.c.channel == Channel.EMAIL,
            _invitations.c.send_at <= now,
        ),
        order_by=_invitations.c.send_at,
        limit=limit,
        counter=_invitations.c.attempts,
        values={
            "state": InvitationState.SENDING,
            "lease_owner": worker_id,
            "lease_expires_at": expires,
        },
    )
    return [Claim(row[0], MailKind.INVITATION, row[1], expires) for row in rows]


def _claim_reminders(
    session: Session, worker_id: str, limit: int, expires: datetime, now: datetime
) -> list[Claim]:
    rows = _lease_due(
        session,
        due=(
            _invitations.c.reminder_state == ReminderState.DUE,
            _invitations.c.reminder_due_at <= now,
            _invitations.c.state == InvitationState.SENT,
        ),
        order_by=_invitations.c.reminder_due_at,
        limit=limit,
        counter=_invitations.c.reminder_attempts,
        values={
            "reminder_state": ReminderState.SENDING,
            "lease_owner": worker_id,
            "lease_expires_at": expires,
        },
    )
    return [Claim(row[0], MailKind.REMINDER, row[1], expires) for row in rows]


def _lease_due(
    session: Session,
    *,
    due: tuple[ColumnElement[bool], ...],
    order_by: ColumnElement[Any],
    limit: int,
    counter: Column[int],
    values: dict[str, Any],
) -> list[tuple[int, int]]:
    """Lease the oldest ``limit`` rows matching ``due``, skipping rows other workers hold.

    Sets ``values``, counts one more attempt in ``counter``; returns (id, attempt) rows.
    """
    picked = (
        select(_invitations.c.id)
        .where(*due)
        .order_by(order_by, _invitations.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = session.execute(
        _invitations.update()
        .where(_invitations.c.id.in_(picked.scalar_subquery()))
        .values(**values, **{counter.key: counter + 1})
        .returning(_invitations.c.id, counter)
    )
    return [(invitation_id, attempt) for invitation_id, attempt in rows]


def _install_tokens(session: Session, invitation_ids: Sequence[int], secret: str) -> None:
    if not invitation_ids:
        return
    session.execute(
        _invitations.update()
        .where(_invitations.c.id == bindparam("b_id"))
        .values(token_hash=bindparam("b_hash")),
        [{"b_id": i, "b_hash": hash_token(invitation_token(secret, i))} for i in invitation_ids],
    )


def release(session: Session, claims: Sequence[Claim], *, worker_id: str, now: datetime) -> int:
    """Give back claims whose message was never started (shutdown, lease nearly over)."""
    firsts = [c for c in claims if c.kind == MailKind.INVITATION]
    reminders = [c for c in claims if c.kind == MailKind.REMINDER]
    released = 0
    if firsts:
        move_invitation(InvitationState.SENDING, InvitationState.QUEUED)
        released += _release_rows(
            session,
            firsts,
            worker_id,
            _invitations.c.state == InvitationState.SENDING,
            {"state": InvitationState.QUEUED, "attempts": _invitations.c.attempts - 1},
        )
    if reminders:
        released += _release_rows(
            session,
            reminders,
            worker_id,
            _invitations.c.reminder_state == ReminderState.SENDING,
            {
                "reminder_state": ReminderState.DUE,
                "reminder_attempts": _invitations.c.reminder_attempts - 1,
            },
        )
    record_events(
        session,
        [
            (c.invitation_id, EventKind.RELEASED, "claim given back unsent", c.attempt)
            for c in claims
        ],
        worker_id=worker_id,
        now=now,
    )
    return released


def _release_rows(
    session: Session,
    claims: Sequence[Claim],
    worker_id: str,
    still_sending: ColumnElement[bool],
    values: dict[str, Any],
) -> int:
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        _invitations.update()
        .where(
            _invitations.c.id.in_([c.invitation_id for c in claims]),
            _invitations.c.lease_owner == worker_id,
            still_sending,
        )
        .values(lease_owner=None, lease_expires_at=None, **values)
    )
    return int(result.rowcount)


def expire_leases(session: Session, *, now: datetime) -> int:
    """Mark sends whose lease ran out as uncertain (never re-sent automatically)."""
    move_invitation(InvitationState.SENDING, InvitationState.UNCERTAIN)
    firsts = session.execute(
        _invitations.update()
        .where(
            _invitations.c.state == InvitationState.SENDING,
            _invitations.c.lease_expires_at < now,
        )
        .values(state=InvitationState.UNCERTAIN, last_error=LEASE_RAN_OUT, lease_expires_at=None)
        .returning(_invitations.c.id, _invitations.c.attempts, _invitations.c.lease_owner)
    ).all()
    reminders = session.execute(
        _invitations.update()
        .where(
            _invitations.c.reminder_state == ReminderState.SENDING,
            _invitations.c.lease_expires_at < now,
        )
        .values(
            reminder_state=ReminderState.UNCERTAIN,
            last_error=LEASE_RAN_OUT,
            lease_expires_at=None,
        )
        .returning(_invitations.c.id, _invitations.c.reminder_attempts, _invitations.c.lease_owner)
    ).all()
    events = [(r[0], EventKind.UNCERTAIN, LEASE_RAN_OUT, r[1], r[2]) for r in firsts]
    events += [(r[0], EventKind.REMINDER_UNCERTAIN, LEASE_RAN_OUT, r[1], r[2]) for r in reminders]
    if events:
        session.execute(
            insert(_events),
            [
                {
                    "invitation_id": invitation_id,
                    "occurred_at": now,
                    "kind": kind.value,
                    "detail": detail,
                    "attempt": attempt,
                    "worker_id": owner,
                }
                for invitation_id, kind, detail, attempt, owner in events
            ],
        )
    return len(events)


def record_events(
    session: Session,
    events: Sequence[tuple[int, EventKind, str, int | None]],
    *,
    worker_id: str,
    now: datetime,
) -> None:
    """Append ``(invitation_id, kind, detail, attempt)`` steps to the invitations' timelines."""
    if not events:
        return
    session.execute(
        insert(_events),
        [
            {
                "invitation_id": invitation_id,
                "occurred_at": now,
                "kind": kind.value,
                "detail": detail[:500],
                "attempt": attempt,
                "worker_id": worker_id,
            }
            for invitation_id, kind, detail, attempt in events
        ],
    )
