"""API keys: created by admins, shown once, stored hashed, scoped and revocable."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.tokens import generate_token, hash_token
from surveyapp.models import ApiKey, User
from surveyapp.services import audit
from surveyapp.services.errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

SCOPES = (
    "interactions:write",
    "contacts:write",
    "consent:write",
    "touchpoints:read",
    "responses:read",
    "deliveries:write",
)
KEY_PREFIX = "sa_"
LAST_USE_PRECISION = timedelta(minutes=1)
_BY_HASH = select(ApiKey).where(ApiKey.key_hash == bindparam("key_hash"))


@dataclass(frozen=True)
class NewApiKey:
    """A created key and its secret, which is shown once and never stored."""

    api_key: ApiKey
    secret: str


def create_key(
    session: Session, *, name: str, scopes: Iterable[str], clock: Clock, actor: User
) -> NewApiKey:
    """Create a key with ``scopes``; ``ValidationFailed`` for no name or unknown scopes."""
    wanted = sorted(set(scopes))
    if not name.strip() or len(name.strip()) > 120:  # noqa: PLR2004 -- the column's size
        raise ValidationFailed.on_field("name", N_("Enter a name of at most 120 characters."))
    if not wanted or not set(wanted) <= set(SCOPES):
        raise ValidationFailed.on_field("scopes", N_("Choose at least one scope from the list."))
    secret = KEY_PREFIX + generate_token(32)
    api_key = ApiKey(
        name=name.strip(),
        prefix=secret[:10],
        key_hash=hash_token(secret),
        scopes=wanted,
        created_at=clock.now(),
        created_by_id=actor.id,
    )
    session.add(api_key)
    session.flush()
    audit.record(
        session,
        "api_key.created",
        clock=clock,
        actor=actor,
        target=api_key,
        details={"scopes": wanted},
    )
    return NewApiKey(api_key=api_key, secret=secret)


def authenticate(session: Session, secret: str) -> ApiKey | None:
    """The active key with this secret, or ``None``. Reads only (see ``record_use``)."""
    api_key = session.scalars(_BY_HASH, {"key_hash": hash_token(secret.strip())}).one_or_none()
    if api_key is None or not api_key.is_active:
        return None
    return api_key


def use_to_record(api_key: ApiKey, *, clock: Clock) -> bool:
    """Whether the key's last use is older than ``LAST_USE_PRECISION`` (or was never noted).

    Writing the time on every request would make each API call a second write; the time
    shown to admins is precise to a minute instead.
    """
    last = api_key.last_used_at
    return last is None or clock.now() - last >= LAST_USE_PRECISION


def record_use(session: Session, api_key: ApiKey, *, clock: Clock) -> None:
    """Note that the key was used now. Flushes."""
    api_key.last_used_at = clock.now()
    session.flush()


def revoke_key(session: Session, key_id: int, *, clock: Clock, actor: User) -> ApiKey:
    """Revoke a key at once; it can never be used again. Flushes."""
    api_key = session.get(ApiKey, key_id)
    if api_key is None:
        raise NotFound(N_("This API key does not exist."))
    if api_key.revoked_at is None:
        api_key.revoked_at = clock.now()
        audit.record(session, "api_key.revoked", clock=clock, actor=actor, target=api_key)
    session.flush()
    return api_key


def list_keys(session: Session) -> Sequence[ApiKey]:
    """All keys, active first, newest first."""
    query = select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc())
    return session.scalars(query).all()
