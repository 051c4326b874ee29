"""Dead letters back into the queue: replaying failed or uncertain sends, by an admin.

``replay`` re-queues failed and uncertain invitations; ``release_reminders`` makes failed and
uncertain reminders due again. Both only flush; the caller commits. Neither checks consent or
suppression: the sender checks both again right before it sends
(``services/dispatch/checks.py``), so a replayed invitation whose address bounced or whose
contact withdrew consent in the meantime is suppressed then, with its reason, and never sent.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.dispatch import EventKind
from surveyapp.domain.i18n import N_
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState, ReminderState, move_invitation
from surveyapp.models import Invitation, InvitationEvent, User
from surveyapp.services import audit
from surveyapp.services.dispatch.queue import is_reminder_releasable, is_replayable
from surveyapp.services.errors import PermissionDenied, ValidationFailed

log = logging.getLogger(__name__)

# One bulk action at most; the dead-letter page offers 50 rows at a time.
MAX_IDS_PER_ACTION = 500
DETAIL_MAX = 500


@dataclass(frozen=True)
class ActionOutcome:
    """What a bulk action did: how many rows it changed and how many it refused."""

    changed: int
    refused: int


def replay(
    session: Session, invitation_ids: Collection[int], *, actor: User, clock: Clock
) -> ActionOutcome:
    """Put failed and uncertain invitations back in the queue, to be sent now.

    Each replayed invitation gets ``send_at`` = now, ``attempts`` = 0 and no lease; its last
    error moves into a ``replayed`` event (with the admin as actor) on its timeline. One
    ``dispatch.replayed`` audit event covers the whole action. Invitations in any other
    state, expired ones and unknown ids are refused and counted. An uncertain invitation may
    already have arrived: replaying it gives up the at-most-once promise for it, which is why
    only admins may do it (``PermissionDenied`` otherwise). Consent and suppression are
    checked again at send time (see the module docstring). Flushes; the caller commits.
    """
    now = clock.now()
    found = _lock(session, actor, invitation_ids)
    replayed = [invitation for invitation in found if is_replayable(invitation, now)]
    for invitation in replayed:
        previous = invitation.state
        invitation.state = move_invitation(previous, InvitationState.QUEUED)
        _add_event(
            session, invitation, EventKind.REPLAYED, previous_state=previous, actor=actor, now=now
        )
        invitation.send_at = now
        invitation.attempts = 0
        _clear_lease(invitation)
    requested = len(set(invitation_ids))
    return _finish(
        session, "dispatch.replayed", replayed, requested=requested, actor=actor, clock=clock
    )


def release_reminders(
    session: Session, invitation_ids: Collection[int], *, actor: User, clock: Clock
) -> ActionOutcome:
    """Make failed and uncertain reminders due again, to be sent now.

    Only reminders of sent, unanswered and unexpired invitations are released (see
    ``is_reminder_releasable``); the rest are refused and counted. Each release adds a
    ``reminder_due`` event with the admin as actor and the previous error as detail; one
    ``dispatch.reminders_released`` audit event covers the action. Admins only. Flushes.
    """
    now = clock.now()
    found = _lock(session, actor, invitation_ids)
    released = [invitation for invitation in found if is_reminder_releasable(invitation, now)]
    for invitation in released:
        previous = invitation.reminder_state
        assert previous is not None  # noqa: S101 -- is_reminder_releasable checked it
        _add_event(
            session,
            invitation,
            EventKind.REMINDER_DUE,
            previous_state=previous,
            actor=actor,
            now=now,
        )
        invitation.reminder_state = ReminderState.DUE
        invitation.reminder_due_at = now
        invitation.reminder_attempts = 0
        _clear_lease(invitation)
    return _finish(
        session,
        "dispatch.reminders_released",
        released,
        requested=len(set(invitation_ids)),
        actor=actor,
        clock=clock,
    )


def _lock(session: Session, actor: User, invitation_ids: Collection[int]) -> Sequence[Invitation]:
    if actor.role != Role.ADMIN:
        raise PermissionDenied(N_("Only admins may send failed or uncertain messages again."))
    wanted = sorted(set(invitation_ids))
    if len(wanted) > MAX_IDS_PER_ACTION:
        raise ValidationFailed(N_("Choose at most 500 invitations at once."))
    if not wanted:
        return []
    # Row locks on PostgreSQL: two admins pressing "Replay" at once re-queue each row once.
    query = select(Invitation).where(Invitation.id.in_(wanted)).with_for_update()
    return session.scalars(query.order_by(Invitation.id)).all()


def _add_event(
    session: Session,
    invitation: Invitation,
    kind: EventKind,
    *,
    previous_state: str,
    actor: User,
    now: datetime,
) -> None:
    # The error that made it a dead letter stays on the timeline after the row is reset.
    detail = f"{previous_state}: {invitation.last_error}" if invitation.last_error else ""
    session.add(
        InvitationEvent(
            invitation_id=invitation.id,
            occurred_at=now,
            kind=kind.value,
            detail=(detail or previous_state)[:DETAIL_MAX],
            actor_id=actor.id,
        )
    )


def _clear_lease(invitation: Invitation) -> None:
    invitation.lease_owner = None
    invitation.lease_expires_at = None
    invitation.last_error = None


def _finish(
    session: Session,
    action: str,
    changed: Sequence[Invitation],
    *,
    requested: int,
    actor: User,
    clock: Clock,
) -> ActionOutcome:
    outcome = ActionOutcome(changed=len(changed), refused=requested - len(changed))
    if changed:
        audit.record(
            session,
            action,
            clock=clock,
            actor=actor,
            details={"invitation_ids": [i.id for i in changed], "refused": outcome.refused},
        )
    session.flush()
    log.info(
        "%s: %s changed, %s refused, by %s", action, outcome.changed, outcome.refused, actor.id
    )
    return outcome
