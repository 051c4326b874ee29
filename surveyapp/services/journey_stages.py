"""Journey stages: the ordered list CX owners group touchpoints by (add, rename, reorder)."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.models import JourneyStage, User
from surveyapp.services import audit
from surveyapp.services.errors import NotFound, ValidationFailed
from surveyapp.services.touchpoints import DEFAULT_STAGES, ensure_default_stages

log = logging.getLogger(__name__)

STAGE_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
MAX_STAGE_NAME = 120
MAX_STAGE_KEY = 64


@dataclass(frozen=True)
class StageInfo:
    """A journey stage as pages list it; ``id`` is ``None`` for a default not stored yet."""

    key: str
    name: str
    position: int
    id: int | None = None


def list_stages(session: Session) -> list[StageInfo]:
    """The stages in journey order; the standard stages until the first one is stored.

    Reads only: the standard stages are stored by the first change (or the first touchpoint
    placed in a stage).
    """
    stored = session.scalars(
        select(JourneyStage).order_by(JourneyStage.position, JourneyStage.id)
    ).all()
    if not stored:
        return [
            StageInfo(key, name, position) for position, (key, name) in enumerate(DEFAULT_STAGES)
        ]
    return [StageInfo(s.key, s.name, s.position, s.id) for s in stored]


def add_stage(
    session: Session, *, name: str, key: str = "", clock: Clock, actor: User | None
) -> JourneyStage:
    """Append a stage at the end of the journey; the key is derived from the name if empty.

    ``ValidationFailed`` on ``name`` or ``key`` (format, taken). Records ``stage.added``. Flushes.
    """
    stages = ensure_default_stages(session)
    clean_name = _clean_name(name)
    clean_key = key.strip().lower() or _slug(clean_name)
    if not clean_key:
        raise ValidationFailed.on_field("key", N_("Enter a key: lower-case letters and digits."))
    if not STAGE_KEY.fullmatch(clean_key):
        raise ValidationFailed.on_field(
            "key", N_("Use up to 64 lower-case letters, digits, dashes or underscores.")
        )
    if any(stage.key == clean_key for stage in stages):
        raise ValidationFailed.on_field("key", N_("A stage with this key already exists."))
    position = max((stage.position for stage in stages), default=-1) + 1
    stage = JourneyStage(key=clean_key, name=clean_name, position=position)
    session.add(stage)
    session.flush()
    audit.record(
        session, "stage.added", clock=clock, actor=actor, target=stage, details={"key": clean_key}
    )
    log.info("Journey stage %s added", clean_key)
    return stage


def rename_stage(
    session: Session, key: str, *, name: str, clock: Clock, actor: User | None
) -> JourneyStage:
    """Give the stage ``key`` a new name (its key stays). Records ``stage.renamed``. Flushes."""
    stage = _find(session, key)
    clean_name = _clean_name(name)
    previous = stage.name
    stage.name = clean_name
    session.flush()
    audit.record(
        session,
        "stage.renamed",
        clock=clock,
        actor=actor,
        target=stage,
        details={"from": previous, "to": clean_name},
    )
    log.info("Journey stage %s renamed", stage.key)
    return stage


def move_stage(
    session: Session,
    key: str,
    *,
    direction: Literal["up", "down"],
    clock: Clock,
    actor: User | None,
) -> JourneyStage:
    """Swap the stage ``key`` with its neighbour earlier (``up``) or later in the journey.

    Moving the first stage up or the last one down changes nothing. Records ``stage.moved``
    when something moved. Flushes.
    """
    stages = list(ensure_default_stages(session))
    stage = _find(session, key)
    index = stages.index(stage)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(stages):
        return stage
    neighbour = stages[other]
    stage.position, neighbour.position = neighbour.position, stage.position
    if stage.position == neighbour.position:  # equal positions: make the order explicit
        for position, item in enumerate(stages):
            item.position = position
        stage.position, neighbour.position = neighbour.position, stage.position
    session.flush()
    audit.record(
        session,
        "stage.moved",
        clock=clock,
        actor=actor,
        target=stage,
        details={"direction": direction},
    )
    log.info("Journey stage %s moved %s", stage.key, direction)
    return stage


def _find(session: Session, key: str) -> JourneyStage:
    ensure_default_stages(session)
    stage = session.scalars(select(JourneyStage).where(JourneyStage.key == key)).one_or_none()
    if stage is None:
        raise NotFound(N_("This journey stage does not exist."))
    return stage


def _clean_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_STAGE_NAME:
        raise ValidationFailed.on_field("name", N_("Enter a name of at most 120 characters."))
    return clean


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:MAX_STAGE_KEY]
