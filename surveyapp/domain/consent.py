"""Consent: the current state derived from an append-only ledger, and the workspace policy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ConsentChannel(StrEnum):
    """Where a contact may be surveyed."""

    EMAIL = "email"
    WEB = "web"


class ConsentAction(StrEnum):
    """What one ledger entry says."""

    GRANTED = "granted"
    WITHDRAWN = "withdrawn"


class ConsentSource(StrEnum):
    """Where a ledger entry came from."""

    API = "api"
    IMPORT = "import"
    PREFERENCE_CENTRE = "preference_centre"
    WIDGET = "widget"
    STAFF = "staff"
    UNSUBSCRIBE = "unsubscribe"


class ConsentPolicy(StrEnum):
    """``opt_in``: no survey without a grant. ``opt_out``: survey unless withdrawn."""

    OPT_IN = "opt_in"
    OPT_OUT = "opt_out"


PURPOSE_FEEDBACK = "feedback"


@dataclass(frozen=True)
class LedgerEntry:
    """The facts of one consent event that decide the current state."""

    channel: ConsentChannel
    action: ConsentAction
    occurred_at: datetime
    sequence: int = 0


@dataclass(frozen=True)
class ConsentDecision:
    """May we survey on a channel, and why (for "why was this customer (not) surveyed?")."""

    allowed: bool
    policy: ConsentPolicy
    latest: ConsentAction | None

    @property
    def reason(self) -> str:
        """A stable reason code, e.g. ``opt_in:granted`` or ``opt_out:withdrawn``."""
        return f"{self.policy.value}:{self.latest.value if self.latest else 'none'}"


def latest_action(entries: Iterable[LedgerEntry], channel: ConsentChannel) -> ConsentAction | None:
    """The newest entry's action on ``channel`` (ties broken by ledger order), or ``None``."""
    newest: LedgerEntry | None = None
    for entry in entries:
        if entry.channel != channel:
            continue
        if newest is None or (entry.occurred_at, entry.sequence) >= (
            newest.occurred_at,
            newest.sequence,
        ):
            newest = entry
    return newest.action if newest else None


def decide(policy: ConsentPolicy, latest: ConsentAction | None) -> ConsentDecision:
    """Whether the policy allows a survey given the newest ledger action on the channel.

    A withdrawal always wins; under ``opt_in`` only an explicit grant allows.
    """
    if latest == ConsentAction.WITHDRAWN:
        allowed = False
    elif policy == ConsentPolicy.OPT_IN:
        allowed = latest == ConsentAction.GRANTED
    else:
        allowed = True
    return ConsentDecision(allowed=allowed, policy=policy, latest=latest)
