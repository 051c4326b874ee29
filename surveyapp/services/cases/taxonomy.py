"""The root-cause taxonomy (service layer): CX owners add, rename and retire root causes.

A root cause is never deleted: cases tagged with it keep it, so past reports stay true.
Retired causes are not offered for new tags.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.models import RootCause, User
from surveyapp.services import audit
from surveyapp.services.errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

MAX_NAME = 120
MAX_DESCRIPTION = 500


def list_root_causes(session: Session, *, include_retired: bool = True) -> Sequence[RootCause]:
    """Root causes by name, active ones first."""
    query = select(RootCause).order_by(RootCause.is_active.desc(), RootCause.name)
    if not include_retired:
        query = query.where(RootCause.is_active.is_(True))
    return session.scalars(query).all()


def save_root_cause(
    session: Session,
    *,
    name: str,
    description: str = "",
    root_cause_id: int | None = None,
    is_active: bool = True,
    clock: Clock,
    actor: User | None,
) -> RootCause:
    """Add a root cause, or change one (``root_cause_id``): name, description, retired or not.

    Names are unique regardless of case (``ValidationFailed`` on ``name``). Records
    ``root_cause.saved``. Flushes.
    """
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_NAME:
        raise ValidationFailed.on_field("name", N_("Give a name of 1 to 120 characters."))
    if len(description.strip()) > MAX_DESCRIPTION:
        raise ValidationFailed.on_field("description", N_("Use at most 500 characters."))
    taken = select(RootCause.id).where(func.lower(RootCause.name) == clean.lower())
    if root_cause_id is not None:
        taken = taken.where(RootCause.id != root_cause_id)
    if session.scalar(taken) is not None:
        raise ValidationFailed.on_field("name", N_("A root cause with this name already exists."))
    if root_cause_id is None:
        cause = RootCause(created_at=clock.now())
        session.add(cause)
    else:
        found = session.get(RootCause, root_cause_id)
        if found is None:
            raise NotFound(N_("This root cause does not exist."))
        cause = found
    cause.name = clean
    cause.description = description.strip()
    cause.is_active = is_active
    session.flush()
    audit.record(
        session,
        "root_cause.saved",
        clock=clock,
        actor=actor,
        target=cause,
        details={"name": clean, "active": is_active},
    )
    log.info("Root cause %s saved", cause.id)
    return cause
