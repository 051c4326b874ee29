"""Pure rules of sending: timeline vocabulary, retry backoff, SMTP answers, stable identities."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

# Retries wait 1, 2, 4, 8... minutes, never longer than this.
MAX_BACKOFF = timedelta(hours=6)
FIRST_BACKOFF = timedelta(minutes=1)
INVITATION_TOKEN_BYTES = 24  # 192 bits, as generated tokens
_SUCCESS, _TRANSIENT = 2, 4  # SMTP reply families 2xx and 4xx


class MailKind(StrEnum):
    """What a message to a contact is; the Message-ID is fixed per invitation and kind."""

    INVITATION = "invitation"
    REMINDER = "reminder"


class EventKind(StrEnum):
    """One step on an invitation's timeline (``invitation_events.kind``)."""

    CLAIMED = "claimed"
    SENT = "sent"
    RETRY = "retry"  # temporary failure, queued again with backoff
    FAILED = "failed"  # permanent failure or attempts exhausted
    UNCERTAIN = "uncertain"  # the lease ran out while sending, or the answer never came
    SUPPRESSED = "suppressed"  # a send-time check failed
    DEFERRED = "deferred"  # quiet hours at send time: moved to the next allowed moment
    RELEASED = "released"  # an unstarted claim given back (shutdown, lease nearly over)
    REPLAYED = "replayed"  # re-queued by hand from the dead-letter list
    REMINDER_DUE = "reminder_due"
    REMINDER_SENT = "reminder_sent"
    REMINDER_FAILED = "reminder_failed"
    REMINDER_UNCERTAIN = "reminder_uncertain"
    EXPIRED = "expired"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class Outcome(StrEnum):
    """What one SMTP transaction ended as."""

    SENT = "sent"
    TEMPORARY = "temporary"  # nothing was delivered; try again later
    PERMANENT = "permanent"  # the server refused for good; never try this address again
    UNCERTAIN = "uncertain"  # the body was handed over but no answer came: maybe delivered


@dataclass(frozen=True)
class SendResult:
    """The outcome of one message and the server's answer (or the error) in words."""

    outcome: Outcome
    detail: str = ""
    # The SMTP step that decided: connect, mail, rcpt, data or body.
    stage: str = ""

    @property
    def is_permanent_for_recipient(self) -> bool:
        """A refusal of the recipient itself: the address must not be written to again.

        A 5xx for the sender or the content is ours to fix, not the address's fault.
        """
        return self.outcome == Outcome.PERMANENT and self.stage == "rcpt"


def classify_reply(code: int) -> Outcome:
    """An SMTP reply code as an outcome: 2xx sent, 4xx temporary, anything else permanent."""
    family = code // 100
    if family == _SUCCESS:
        return Outcome.SENT
    if family == _TRANSIENT:
        return Outcome.TEMPORARY
    return Outcome.PERMANENT


def backoff(attempt: int) -> timedelta:
    """How long to wait after the ``attempt``-th temporary failure (1-based), capped."""
    wait: timedelta = FIRST_BACKOFF * (2 ** max(attempt - 1, 0))
    return min(wait, MAX_BACKOFF)


def message_id(invitation_id: int, kind: MailKind, domain: str) -> str:
    """The Message-ID of an invitation's mail of ``kind``: the same on every retry."""
    return f"<invitation-{invitation_id}.{kind.value}@{domain}>"


def invitation_token(secret: str, invitation_id: int) -> str:
    """The invitation's link token, derived so that a reminder carries the same link.

    Only its hash is stored; without the installation's secret it cannot be recomputed.
    """
    digest = hmac.new(
        secret.encode("utf-8"), f"invitation-token:{invitation_id}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:INVITATION_TOKEN_BYTES]).decode("ascii")
