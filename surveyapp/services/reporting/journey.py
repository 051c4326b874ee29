"""The journey view: scores per journey stage and touchpoint, with the interactions' facts.

Transactional surveys (about one interaction) are shown per stage and touchpoint;
relational surveys (about the whole relationship) are kept apart, per survey.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.metrics import Rate, ScoreResult, headline
from surveyapp.domain.scoring import QuestionType
from surveyapp.models import Interaction, JourneyStage, Survey, SurveyKind, Team, Touchpoint
from surveyapp.services.reporting import queries
from surveyapp.services.reporting.filters import ReportFilters

RATING_ORDER = (QuestionType.NPS, QuestionType.CSAT, QuestionType.CES)


@dataclass(frozen=True)
class OperationalFacts:
    """What the company's system reported about the answered interactions (means, seconds)."""

    interactions: int
    first_response_seconds: float | None
    resolution_seconds: float | None
    first_contact_resolution: Rate


@dataclass(frozen=True)
class JourneyTouchpoint:
    """One touchpoint's scores (per rating type asked there) and operational facts."""

    touchpoint_id: int | None
    name: str
    team_name: str | None
    scores: tuple[tuple[QuestionType, ScoreResult], ...]
    facts: OperationalFacts | None


@dataclass(frozen=True)
class JourneyStageRow:
    """A journey stage (``None``: touchpoints without a stage) and its touchpoints."""

    stage_name: str | None
    touchpoints: tuple[JourneyTouchpoint, ...]


@dataclass(frozen=True)
class RelationalSurvey:
    """A relational survey's scores over the period."""

    survey_id: int
    name: str
    scores: tuple[tuple[QuestionType, ScoreResult], ...]


@dataclass(frozen=True)
class JourneyView:
    """Transactional scores by stage and touchpoint; relational surveys on their own."""

    stages: tuple[JourneyStageRow, ...]
    relational: tuple[RelationalSurvey, ...]


def journey_view(session: Session, filters: ReportFilters) -> JourneyView:
    """Scores per stage and touchpoint side by side, and relational surveys apart (4 queries).

    Touchpoints without answers in the period are listed too (empty figures), so a stage
    without feedback is visible. Stages are in their journey order.
    """
    counts = queries.score_counts_by_touchpoint(session, filters)
    kinds = dict(session.execute(select(Survey.id, Survey.kind)).all())
    names = dict(session.execute(select(Survey.id, Survey.name)).all())
    transactional: dict[int | None, dict[str, dict[int, int]]] = {}
    relational: dict[int, dict[str, dict[int, int]]] = {}
    for count in counts:
        if kinds.get(count.survey_id) == SurveyKind.RELATIONAL:
            bucket = relational.setdefault(count.survey_id, {})
        else:
            bucket = transactional.setdefault(count.touchpoint_id, {})
        histogram = bucket.setdefault(count.rating_type, {})
        histogram[count.score] = histogram.get(count.score, 0) + count.responses
    facts = operational_facts(session, filters)
    stages = _stage_rows(session, filters, transactional, facts)
    return JourneyView(
        stages=stages,
        relational=tuple(
            RelationalSurvey(survey_id, names.get(survey_id, ""), _scores(histograms))
            for survey_id, histograms in sorted(relational.items())
        ),
    )


def operational_facts(session: Session, filters: ReportFilters) -> dict[int, OperationalFacts]:
    """Operational facts of the answered interactions of the period, per touchpoint.

    Mean first response and resolution times (seconds) and the share solved at first
    contact, over the interactions behind counted responses. One query.
    """
    solved = func.count(Interaction.id).filter(Interaction.solved_first_contact.is_(True))
    known = func.count(Interaction.solved_first_contact)
    rows = queries.answered_interaction_figures(
        session,
        filters,
        func.count(Interaction.id),
        func.avg(Interaction.first_response_seconds),
        func.avg(Interaction.resolution_seconds),
        solved,
        known,
    )
    return {
        touchpoint_id: OperationalFacts(
            interactions=int(total),
            first_response_seconds=float(first) if first is not None else None,
            resolution_seconds=float(resolution) if resolution is not None else None,
            first_contact_resolution=Rate(int(solved_count), int(known_count)),
        )
        for touchpoint_id, total, first, resolution, solved_count, known_count in rows
    }


def _stage_rows(
    session: Session,
    filters: ReportFilters,
    histograms: dict[int | None, dict[str, dict[int, int]]],
    facts: dict[int, OperationalFacts],
) -> tuple[JourneyStageRow, ...]:
    query = (
        select(Touchpoint.id, Touchpoint.name, Team.name, JourneyStage.name, JourneyStage.position)
        .outerjoin(Team, Touchpoint.team_id == Team.id)
        .outerjoin(JourneyStage, Touchpoint.stage_id == JourneyStage.id)
        .order_by(JourneyStage.position.is_(None), JourneyStage.position, Touchpoint.name)
    )
    if filters.touchpoint_id is not None:
        query = query.where(Touchpoint.id == filters.touchpoint_id)
    if filters.team_id is not None:
        query = query.where(Touchpoint.team_id == filters.team_id)
    rows: list[JourneyStageRow] = []
    for touchpoint_id, name, team_name, stage_name, _position in session.execute(query):
        entry = JourneyTouchpoint(
            touchpoint_id,
            name,
            team_name,
            _scores(histograms.get(touchpoint_id, {})),
            facts.get(touchpoint_id),
        )
        if rows and rows[-1].stage_name == stage_name:
            rows[-1] = JourneyStageRow(stage_name, (*rows[-1].touchpoints, entry))
        else:
            rows.append(JourneyStageRow(stage_name, (entry,)))
    # Answers reached without a touchpoint (anonymous links, test links) are shown apart.
    if None in histograms and filters.touchpoint_id is None and filters.team_id is None:
        loose = JourneyTouchpoint(None, "", None, _scores(histograms[None]), None)
        rows.append(JourneyStageRow(None, (loose,)))
    return tuple(rows)


def _scores(histograms: dict[str, dict[int, int]]) -> tuple[tuple[QuestionType, ScoreResult], ...]:
    return tuple(
        (rating, headline(rating, histograms[rating.value]))
        for rating in RATING_ORDER
        if rating.value in histograms
    )


def journey_touchpoints(view: JourneyView) -> Sequence[JourneyTouchpoint]:
    """Every touchpoint of the view, stage by stage."""
    return [entry for stage in view.stages for entry in stage.touchpoints]
