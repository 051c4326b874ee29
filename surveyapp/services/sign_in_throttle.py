"""Failed sign-in counters in the database, so every process applies the same locks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from surveyapp.domain.sign_in import SignInPolicy, ThrottleKind
from surveyapp.domain.tokens import hash_token
from surveyapp.models.users import SignInThrottle


@dataclass(frozen=True)
class ThrottleKey:
    """One counter: an account (the normalised email) or a client address, hashed."""

    kind: ThrottleKind
    key: str

    @classmethod
    def of(cls, kind: ThrottleKind, value: str) -> ThrottleKey:
        """The key for ``value``; only its hash is ever stored."""
        return cls(kind, hash_token(f"{kind.value}:{value}"))


@dataclass(frozen=True)
class NewLock:
    """A lock that a failure has just started (for the audit trail)."""

    kind: ThrottleKind
    failures: int
    locked_until: datetime


def keys_for(address: str, ip: str | None) -> list[ThrottleKey]:
    """The counters a sign-in with ``address`` from ``ip`` is judged by."""
    keys = [ThrottleKey.of(ThrottleKind.ACCOUNT, address)]
    if ip:
        keys.append(ThrottleKey.of(ThrottleKind.IP, ip))
    return keys


def locked_until(session: Session, keys: list[ThrottleKey], now: datetime) -> datetime | None:
    """The end of the longest lock in force on any of ``keys``, or ``None``. Reads only."""
    ends = [
        row.locked_until
        for row in _rows(session, keys)
        if row.locked_until is not None and row.locked_until > now
    ]
    return max(ends, default=None)


def record_failure(
    session: Session, keys: list[ThrottleKey], *, policy: SignInPolicy, now: datetime
) -> list[NewLock]:
    """Count one failure on each key and return the locks it started. Flushes.

    Each row is created if missing and then read under a row lock (PostgreSQL ``FOR UPDATE``;
    SQLite holds its single write lock already), so concurrent processes never lose a count.
    """
    locks: list[NewLock] = []
    for key in keys:
        _ensure_row(session, key, now)
        row = session.scalars(_select(key).with_for_update()).one()
        backoff = policy.for_kind(key.kind)
        if row.failures and backoff.starts_over(row.last_failure_at, row.locked_until, now):
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        lock = backoff.lock_for(row.failures)
        if lock is not None:
            row.locked_until = now + lock
            locks.append(NewLock(key.kind, row.failures, row.locked_until))
    session.flush()
    return locks


def forget(session: Session, key: ThrottleKey) -> None:
    """Drop the counter of ``key`` (a successful sign-in resets its account's count)."""
    session.execute(
        delete(SignInThrottle).where(SignInThrottle.kind == key.kind, SignInThrottle.key == key.key)
    )


def _rows(session: Session, keys: list[ThrottleKey]) -> list[SignInThrottle]:
    rows: list[SignInThrottle] = []
    for key in keys:
        rows.extend(session.scalars(_select(key)).all())
    return rows


def _select(key: ThrottleKey) -> Select[SignInThrottle]:
    query = select(SignInThrottle).where(
        SignInThrottle.kind == key.kind, SignInThrottle.key == key.key
    )
    return query.execution_options(populate_existing=True)


def _ensure_row(session: Session, key: ThrottleKey, now: datetime) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {"kind": key.kind, "key": key.key, "failures": 0, "last_failure_at": now}
    session.execute(insert(SignInThrottle).values(**values).on_conflict_do_nothing())
