"""Teams: the groups of staff that own touchpoints and receive cases."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.models import Team, User
from surveyapp.services import audit
from surveyapp.services.errors import ValidationFailed

log = logging.getLogger(__name__)


def list_teams(session: Session) -> Sequence[Team]:
    """All teams by name."""
    return session.scalars(select(Team).order_by(Team.name)).all()


def create_team(session: Session, *, name: str, clock: Clock, actor: User | None) -> Team:
    """Create a team; names are unique regardless of case (``ValidationFailed`` on ``name``).

    Records ``team.created``. Flushes.
    """
    clean = name.strip()
    taken = select(Team.id).where(func.lower(Team.name) == clean.lower())
    if session.scalar(taken) is not None:
        raise ValidationFailed.on_field("name", N_("A team with this name already exists."))
    team = Team(name=clean, created_at=clock.now())
    session.add(team)
    session.flush()
    audit.record(session, "team.created", clock=clock, actor=actor, target=team)
    log.info("Team %s created", clean)
    return team
