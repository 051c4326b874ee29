"""Mail about follow-up cases: to the customer (close the loop) and to staff (reminders).

The life cycle of one such message mirrors an invitation's send (DESIGN.md §5): queued, claimed
with a lease (sending), then sent, queued again after a temporary failure, failed, or
uncertain when the lease ran out mid-send; an uncertain message is never sent again by itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from enum import StrEnum

from surveyapp.domain.states import IllegalTransition

MAX_MESSAGE_LENGTH = 5000
TOKEN_BYTES = 24  # 192 bits, as generated tokens


class CaseMailKind(StrEnum):
    """What a case mail is."""

    CLOSE_LOOP = "close_loop"  # to the customer, asks "Did we solve your issue?"
    REMINDER = "reminder"  # to the owner: the first action is overdue
    ESCALATION = "escalation"  # to the team's managers: still overdue
    ASSIGNED = "assigned"  # to a staff member: a case was assigned to you


class CaseMailState(StrEnum):
    """Where a case mail stands on its way out."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"


class CustomerVerdict(StrEnum):
    """The customer's answer to "Did we solve your issue?"."""

    SOLVED = "solved"
    NOT_SOLVED = "not_solved"


_MAIL_MOVES: dict[CaseMailState, frozenset[CaseMailState]] = {
    CaseMailState.QUEUED: frozenset({CaseMailState.SENDING}),
    CaseMailState.SENDING: frozenset(
        {
            CaseMailState.SENT,
            CaseMailState.QUEUED,  # temporary failure: retried with backoff
            CaseMailState.FAILED,
            CaseMailState.UNCERTAIN,
        }
    ),
    CaseMailState.SENT: frozenset(),
    CaseMailState.FAILED: frozenset(),
    CaseMailState.UNCERTAIN: frozenset(),
}


def move_mail(current: CaseMailState, target: CaseMailState) -> CaseMailState:
    """Return ``target`` if a case mail may go from ``current`` to it, else raise."""
    if target not in _MAIL_MOVES[current]:
        raise IllegalTransition(f"a case mail cannot go from {current} to {target}")
    return target


def case_message_id(mail_id: int, domain: str) -> str:
    """The Message-ID of a case mail: the same on every attempt."""
    return f"<case-mail-{mail_id}@{domain}>"


def case_mail_token(secret: str, mail_id: int) -> str:
    """The token of a close-the-loop message's answer links ("Did we solve your issue?").

    Derived from the installation's secret, so the sender can put it in the message while
    only its hash is stored.
    """
    digest = hmac.new(
        secret.encode("utf-8"), f"case-mail-token:{mail_id}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode("ascii")
