"""Life cycles as transition tables: an invitation may only move along these arrows."""

from __future__ import annotations

from enum import StrEnum


class IllegalTransition(ValueError):
    """A state change the life cycle does not allow."""


class InvitationState(StrEnum):
    """DESIGN.md §5: an email invitation from planning to answer (or why it never went)."""

    PLANNED = "planned"
    QUEUED = "queued"
    SUPPRESSED = "suppressed"
    SENDING = "sending"
    SENT = "sent"
    ANSWERED = "answered"
    EXPIRED = "expired"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    CANCELLED = "cancelled"


_INVITATION_MOVES: dict[InvitationState, frozenset[InvitationState]] = {
    InvitationState.PLANNED: frozenset({InvitationState.QUEUED, InvitationState.SUPPRESSED}),
    InvitationState.QUEUED: frozenset(
        {InvitationState.SENDING, InvitationState.SUPPRESSED, InvitationState.CANCELLED}
    ),
    InvitationState.SENDING: frozenset(
        {
            InvitationState.SENT,
            InvitationState.SUPPRESSED,  # a send-time check failed
            InvitationState.QUEUED,
            InvitationState.FAILED,
            InvitationState.UNCERTAIN,
        }
    ),
    InvitationState.SENT: frozenset({InvitationState.ANSWERED, InvitationState.EXPIRED}),
    InvitationState.SUPPRESSED: frozenset(),
    InvitationState.ANSWERED: frozenset(),
    InvitationState.EXPIRED: frozenset({InvitationState.ANSWERED}),
    # A failed send may be replayed by hand once its cause is fixed (dead letters).
    InvitationState.FAILED: frozenset({InvitationState.QUEUED}),
    # An admin may release an uncertain send; a late answer shows it did arrive.
    InvitationState.UNCERTAIN: frozenset(
        {InvitationState.ANSWERED, InvitationState.QUEUED, InvitationState.SENT}
    ),
    InvitationState.CANCELLED: frozenset(),
}


def move_invitation(current: InvitationState, target: InvitationState) -> InvitationState:
    """Return ``target`` if the life cycle allows ``current -> target``, else raise."""
    if target not in _INVITATION_MOVES[current]:
        raise IllegalTransition(f"invitation cannot go from {current} to {target}")
    return target


class ReminderState(StrEnum):
    """The one reminder of a sent invitation: its own small send life cycle."""

    DUE = "due"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    SKIPPED = "skipped"
