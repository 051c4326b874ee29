"""Sign-in back-off: when repeated failures lock an account or an address, and for how long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

_MAX_DOUBLINGS = 20  # 2**20 times the first lock is far past any sensible cap


class ThrottleKind(StrEnum):
    """What a failure counter is kept for."""

    ACCOUNT = "account"  # the submitted email, whether or not such a user exists
    IP = "ip"  # the client address


@dataclass(frozen=True)
class Backoff:
    """Lock after ``threshold`` failures; each further failure doubles the lock, up to a cap.

    Failures count until ``window`` has passed without a failure and without a lock, then
    the counter starts over. Waiting out a lock and failing again therefore doubles it.
    """

    threshold: int
    window: timedelta
    first_lock: timedelta
    max_lock: timedelta

    def lock_for(self, failures: int) -> timedelta | None:
        """How long ``failures`` consecutive failures lock the key (``None``: not at all)."""
        if failures < self.threshold:
            return None
        doublings = min(failures - self.threshold, _MAX_DOUBLINGS)
        return min(self.first_lock * (1 << doublings), self.max_lock)

    def starts_over(
        self, last_failure_at: datetime, locked_until: datetime | None, now: datetime
    ) -> bool:
        """Whether the counter is forgotten: a whole window passed after the last failure/lock."""
        quiet_since = max(last_failure_at, locked_until or last_failure_at)
        return now - quiet_since >= self.window


@dataclass(frozen=True)
class SignInPolicy:
    """The back-off per account and per address (defaults match the documented settings)."""

    account: Backoff = Backoff(
        threshold=5,
        window=timedelta(minutes=15),
        first_lock=timedelta(minutes=1),
        max_lock=timedelta(hours=1),
    )
    ip: Backoff = Backoff(
        threshold=20,
        window=timedelta(minutes=15),
        first_lock=timedelta(minutes=1),
        max_lock=timedelta(hours=1),
    )

    def for_kind(self, kind: ThrottleKind) -> Backoff:
        """The back-off of ``kind``."""
        return self.account if kind is ThrottleKind.ACCOUNT else self.ip


def retry_after_seconds(locked_until: datetime, now: datetime) -> int:
    """Whole seconds until ``locked_until`` (at least 1), for a ``Retry-After`` header."""
    remaining = (locked_until - now).total_seconds()
    return max(1, int(-(-remaining // 1)))
