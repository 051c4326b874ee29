"""Once-per-period dispatch work: reminders falling due, invitations expiring.

Each runs once per period however many workers tick (``jobruns.claim_period``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, and_, case, exists
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.dispatch import EventKind
from surveyapp.domain.states import InvitationState, ReminderState, move_invitation
from surveyapp.models import Invitation, Response, ResponseStatus
from surveyapp.services import jobruns
from surveyapp.services.dispatch.claims import record_events

_invitations: Table = Invitation.__table__  # type: ignore[assignment]
PERIOD_MINUTES = 15
# A score chosen in the email counts as an answer; a scanner's voided one does not.
_ANSWERED = exists().where(
    Response.invitation_id == _invitations.c.id,
    Response.status.in_(
        (ResponseStatus.PROVISIONAL, ResponseStatus.PARTIAL, ResponseStatus.COMPLETE)
    ),
)


def run_due_periodic(session: Session, *, worker_id: str, clock: Clock) -> dict[str, int]:
    """Run the reminder scan and the expiry once for the current period; what each did."""
    now = clock.now()
    period = jobruns.period_of(now, PERIOD_MINUTES)
    done: dict[str, int] = {}
    for job, work in (
        ("dispatch.expire", expire_invitations),
        ("dispatch.reminders", mark_reminders_due),
    ):
        if jobruns.claim_period(session, job, period, worker_id=worker_id, clock=clock):
            done[job] = work(session, worker_id=worker_id, now=now)
    return done


def mark_reminders_due(session: Session, *, worker_id: str, now: datetime) -> int:
    """Sent invitations past their reminder time: due if unanswered, skipped if answered."""
    waiting = and_(
        _invitations.c.state == InvitationState.SENT,
        _invitations.c.reminder_state.is_(None),
        _invitations.c.reminder_due_at <= now,
    )
    session.execute(
        _invitations.update().where(waiting, _ANSWERED).values(reminder_state=ReminderState.SKIPPED)
    )
    due = session.execute(
        _invitations.update()
        .where(waiting, ~_ANSWERED)
        .values(reminder_state=ReminderState.DUE)
        .returning(_invitations.c.id)
    ).all()
    _record(session, due, EventKind.REMINDER_DUE, "no answer yet", worker_id=worker_id, now=now)
    return len(due)


def expire_invitations(session: Session, *, worker_id: str, now: datetime) -> int:
    """Sent invitations past their expiry: answered ones are closed as such, the rest expire."""
    over = and_(_invitations.c.state == InvitationState.SENT, _invitations.c.expires_at <= now)
    move_invitation(InvitationState.SENT, InvitationState.ANSWERED)
    session.execute(
        _invitations.update()
        .where(over, _ANSWERED)
        .values(state=InvitationState.ANSWERED, reminder_state=_skip_pending_reminder())
    )
    move_invitation(InvitationState.SENT, InvitationState.EXPIRED)
    expired = session.execute(
        _invitations.update()
        .where(over, ~_ANSWERED)
        .values(state=InvitationState.EXPIRED, reminder_state=_skip_pending_reminder())
        .returning(_invitations.c.id)
    ).all()
    _record(
        session,
        expired,
        EventKind.EXPIRED,
        "no answer before the expiry",
        worker_id=worker_id,
        now=now,
    )
    return len(expired)


def _skip_pending_reminder() -> ColumnElement[Any]:
    return case(
        (_invitations.c.reminder_state == ReminderState.DUE, ReminderState.SKIPPED.value),
        else_=_invitations.c.reminder_state,
    )


def _record(
    session: Session,
    rows: Sequence[Row[Any]],
    kind: EventKind,
    detail: str,
    *,
    worker_id: str,
    now: datetime,
) -> None:
    record_events(
        session, [(row[0], kind, detail, None) for row in rows], worker_id=worker_id, now=now
    )
