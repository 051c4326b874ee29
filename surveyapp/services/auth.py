"""Sign-in: argon2id password hashing and authentication with an audit trail."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Config
from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.sign_in import Backoff, SignInPolicy, ThrottleKind, retry_after_seconds
from surveyapp.models import User
from surveyapp.services import audit, sign_in_throttle
from surveyapp.services.errors import ServiceError

log = logging.getLogger(__name__)

SIGN_IN_FAILED = N_("Email or password is not correct, or the account is inactive.")

DEFAULT_POLICY = SignInPolicy()


class SignInLocked(ServiceError):
    """Too many failures on this account or from this address: refused without checking.

    Says nothing about whether the account exists; ``retry_after`` is in whole seconds.
    """

    status = 429

    def __init__(self, locked_until: datetime, now: datetime) -> None:
        """Keep when the lock ends, as seconds from ``now``."""
        super().__init__(N_("Too many failed sign-in attempts. Please try again later."))
        self.locked_until = locked_until
        self.retry_after = retry_after_seconds(locked_until, now)


def policy_from(config: Config) -> SignInPolicy:
    """The sign-in back-off set by ``SURVEYAPP_SIGN_IN_*``."""
    window = timedelta(seconds=config.sign_in_window_seconds)
    first = timedelta(seconds=config.sign_in_lock_seconds)
    cap = timedelta(seconds=config.sign_in_lock_max_seconds)
    return SignInPolicy(
        account=Backoff(config.sign_in_account_failures, window, first, cap),
        ip=Backoff(config.sign_in_ip_failures, window, first, cap),
    )


# argon2-cffi's defaults are the RFC 9106 "low memory" argon2id profile (64 MiB, t=3, p=4).
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    # Verified when the email is unknown, so a wrong email costs as much as a wrong password.
    # Hashed on first use, not at import: every process and CLI command imports this module.
    return _hasher.hash("no such user: constant-time comparison")


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password`` (salted, parameters encoded in the string)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return whether ``password`` matches ``password_hash``; malformed hashes never match."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    """Emails are compared and stored lower-cased and trimmed."""
    return email.strip().lower()


def sign_in(
    session: Session,
    email: str,
    password: str,
    *,
    clock: Clock,
    ip: str | None = None,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> User | None:
    """Return the active user with these credentials, or ``None``; audit either outcome.

    An unknown email, a wrong password and a deactivated account all give ``None`` (tell the
    person ``SIGN_IN_FAILED``, never which one), record ``auth.sign_in_failed`` with the
    reason and count a failure for the submitted email and for ``ip``; a failure that locks
    one records ``auth.locked_out``. While the email or ``ip`` is locked, raises
    ``SignInLocked`` before looking at the password (so no argon2 work, and a correct password
    is refused too). The caller must commit after ``None`` so failures stay counted and in
    the trail. Success resets the email's counter and rehashes the password when argon2's
    parameters changed. Flushes.
    """
    address = normalise_email(email)
    now = clock.now()
    keys = sign_in_throttle.keys_for(address, ip)
    locked_until = sign_in_throttle.locked_until(session, keys, now)
    if locked_until is not None:
        raise SignInLocked(locked_until, now)
    user = session.scalars(select(User).where(User.email == address)).one_or_none()
    matches = verify_password(user.password_hash if user else _dummy_hash(), password)
    if user is None or not matches or not user.is_active:
        reason = (
            "unknown_email" if user is None else "wrong_password" if not matches else "inactive"
        )
        _record_failure(session, user, address, reason, clock=clock, ip=ip, policy=policy)
        return None
    sign_in_throttle.forget(session, keys[0])
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    audit.record(session, "auth.signed_in", clock=clock, actor=user, target=user, ip=ip)
    session.flush()
    return user


def _record_failure(
    session: Session,
    user: User | None,
    address: str,
    reason: str,
    *,
    clock: Clock,
    ip: str | None,
    policy: SignInPolicy,
) -> None:
    label = address[:254]
    details = {"reason": reason}
    audit.record(
        session,
        "auth.sign_in_failed",
        clock=clock,
        actor=user,
        actor_label=label,
        target=user,
        details=details,
        ip=ip,
    )
    keys = sign_in_throttle.keys_for(address, ip)
    for lock in sign_in_throttle.record_failure(session, keys, policy=policy, now=clock.now()):
        audit.record(
            session,
            "auth.locked_out",
            clock=clock,
            actor=user if lock.kind is ThrottleKind.ACCOUNT else None,
            actor_label=label,
            target=user if lock.kind is ThrottleKind.ACCOUNT else None,
            details={
                "kind": lock.kind.value,
                "failures": lock.failures,
                "locked_until": lock.locked_until.isoformat(),
            },
            ip=ip,
        )
        log.warning("Sign-in locked (%s) after %d failures", lock.kind.value, lock.failures)
    session.flush()


def record_sign_out(session: Session, user: User, *, clock: Clock, ip: str | None = None) -> None:
    """Record that ``user`` signed out. Flushes with the caller's transaction."""
    audit.record(session, "auth.signed_out", clock=clock, actor=user, target=user, ip=ip)


def find_active_user(session: Session, user_id: str) -> User | None:
    """Return the active user named by ``user_id`` (``User.get_id()``), or ``None``.

    The key is the id and the session version, as Flask-Login keeps it in the session and
    remember-me cookies; a stale version (password changed or reset, account deactivated
    since the cookie was issued) loads no one.
    """
    number, _, version = user_id.partition(":")
    if not (number.isdigit() and version.isdigit()):
        return None
    user = session.get(User, int(number))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def end_sessions(user: User) -> None:
    """Make every session and remember-me cookie of ``user`` stop working (next request)."""
    user.session_version += 1
