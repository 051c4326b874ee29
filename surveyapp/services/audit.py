"""The audit trail: recording and listing staff- and security-relevant actions."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.tokens import hash_token
from surveyapp.models import ApiKey, AuditEvent, User

log = logging.getLogger(__name__)


def record(
    session: Session,
    action: str,
    *,
    clock: Clock,
    actor: User | None = None,
    actor_label: str | None = None,
    target: Any | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
    api_key: ApiKey | None = None,
) -> AuditEvent:
    """Add an audit event to the session (flushed with the caller's transaction).

    ``target`` is any model with an ``id``; ``ip`` is stored only as a SHA-256 hash.
    """
    event = AuditEvent(
        occurred_at=clock.now(),
        actor_id=actor.id if actor else None,
        actor_label=_label(actor, api_key, actor_label),
        api_key_id=api_key.id if api_key else None,
        action=action,
        target_type=type(target).__name__ if target is not None else None,
        target_id=str(target.id) if target is not None else None,
        details=details or {},
        ip_hash=hash_token(ip) if ip else None,
    )
    session.add(event)
    log.info("Audit %s by %s", action, event.actor_label)
    return event


def _label(actor: User | None, api_key: ApiKey | None, fallback: str | None) -> str:
    if actor is not None:
        return actor.email
    if api_key is not None:
        return f"API key {api_key.name} ({api_key.prefix}…)"
    return fallback or "system"


def list_recent(session: Session, *, limit: int = 100) -> Sequence[AuditEvent]:
    """Return the newest audit events first, at most ``limit``."""
    query = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    return session.scalars(query.limit(limit)).all()
