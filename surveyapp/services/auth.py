"""Sign-in: argon2id password hashing and authentication with an audit trail."""

from __future__ import annotations

import logging
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.models import User
from surveyapp.services import audit

log = logging.getLogger(__name__)

SIGN_IN_FAILED = N_("Email or password is not correct, or the account is inactive.")

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
    session: Session, email: str, password: str, *, clock: Clock, ip: str | None = None
) -> User | None:
    """Return the active user with these credentials, or ``None``; audit either outcome.

    An unknown email, a wrong password and a deactivated account all give ``None`` (tell the
    person ``SIGN_IN_FAILED``, never which one) and record ``auth.sign_in_failed`` with the
    reason; the caller must commit in both cases so failures stay in the trail. Rehashes the
    password when argon2's parameters changed. Flushes.
    """
    address = normalise_email(email)
    user = session.scalars(select(User).where(User.email == address)).one_or_none()
    matches = verify_password(user.password_hash if user else _dummy_hash(), password)
    if user is None or not matches or not user.is_active:
        reason = (
            "unknown_email" if user is None else "wrong_password" if not matches else "inactive"
        )
        audit.record(
            session,
            "auth.sign_in_failed",
            clock=clock,
            actor=user,
            actor_label=address[:254],
            target=user,
            details={"reason": reason},
            ip=ip,
        )
        session.flush()
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = clock.now()
    audit.record(session, "auth.signed_in", clock=clock, actor=user, target=user, ip=ip)
    session.flush()
    return user


def record_sign_out(session: Session, user: User, *, clock: Clock, ip: str | None = None) -> None:
    """Record that ``user`` signed out. Flushes with the caller's transaction."""
    audit.record(session, "auth.signed_out", clock=clock, actor=user, target=user, ip=ip)


def find_active_user(session: Session, user_id: str) -> User | None:
    """Return the active user with this id (as Flask-Login stores it), or ``None``."""
    if not user_id.isdigit():
        return None
    user = session.get(User, int(user_id))
    return user if user is not None and user.is_active else None
