"""The case timeline (service layer): appending events with who did them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from surveyapp.domain.case_states import CaseEventKind, Party
from surveyapp.domain.clock import Clock
from surveyapp.models import CaseEvent, User


def actor_label(actor: User | Party) -> str:
    """How the timeline names ``actor``: a staff member's name, or ``customer``/``system``."""
    return actor.value if isinstance(actor, Party) else actor.name


def add_event(
    session: Session,
    case_id: int,
    kind: CaseEventKind,
    *,
    actor: User | Party,
    clock: Clock,
    body: str = "",
    details: dict[str, Any] | None = None,
) -> CaseEvent:
    """Append one event to case ``case_id``'s timeline (added to the session, not flushed)."""
    event = CaseEvent(
        case_id=case_id,
        occurred_at=clock.now(),
        kind=kind.value,
        actor_id=None if isinstance(actor, Party) else actor.id,
        actor_label=actor_label(actor),
        body=body,
        details=details or {},
    )
    session.add(event)
    return event
