"""What report filters and the improvement form offer to choose from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import RootCause, Survey, Team, Touchpoint


@dataclass(frozen=True)
class ReportChoices:
    """Touchpoints, teams, surveys (archived too) and active root causes, sorted by name."""

    touchpoints: Sequence[Touchpoint]
    teams: Sequence[Team]
    surveys: Sequence[Survey]
    root_causes: Sequence[RootCause]


def report_choices(session: Session) -> ReportChoices:
    """Everything a report filter or the improvement form lists (four small queries)."""
    return ReportChoices(
        touchpoints=session.scalars(select(Touchpoint).order_by(Touchpoint.name)).all(),
        teams=session.scalars(select(Team).order_by(Team.name)).all(),
        surveys=session.scalars(select(Survey).order_by(Survey.name)).all(),
        root_causes=session.scalars(
            select(RootCause).where(RootCause.is_active.is_(True)).order_by(RootCause.name)
        ).all(),
    )
