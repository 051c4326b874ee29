"""The dashboard's figures for a set of filters: KPIs with their change, trends, loop metrics.

``dashboard_summary`` is the one entry point, for the staff dashboard and the PDF reports
alike. It returns plain data (no ORM objects), so templates and PDF contexts can use it as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.metrics import (
    Rate,
    ScoreResult,
    SignificantChange,
    change,
    headline,
    merge_histograms,
    response_rate,
)
from surveyapp.domain.scoring import SCALES, QuestionType
from surveyapp.services.reporting import improvements, loop, queries, rollups
from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.services.reporting.loop import LoopMetrics, RootCauseCount
from surveyapp.services.reporting.queries import ScoreCount
from surveyapp.services.reporting.rollups import RollupFreshness

RATING_TYPES = (QuestionType.NPS, QuestionType.CSAT, QuestionType.CES)


@dataclass(frozen=True)
class Kpi:
    """One rating type's headline figure now and in the previous period of equal length."""

    rating_type: QuestionType
    current: ScoreResult
    previous: ScoreResult
    change: SignificantChange


@dataclass(frozen=True)
class WeeklyPoint:
    """One ISO week (starting Monday, UTC) of a rating type; weeks are cut to the period."""

    week_start: date
    result: ScoreResult


@dataclass(frozen=True)
class Trend:
    """A rating type's weekly figures over the period, every week present (some empty)."""

    rating_type: QuestionType
    points: tuple[WeeklyPoint, ...]


@dataclass(frozen=True)
class Distribution:
    """How many answers gave each point of the rating scale, low to high, zeros included."""

    rating_type: QuestionType
    counts: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ImprovementMark:
    """A logged change to mark on the trend charts."""

    improvement_id: int
    changed_on: date
    title: str


@dataclass(frozen=True)
class DashboardSummary:
    """Everything the dashboard (and a PDF report) shows for ``filters``.

    ``source`` is ``"rollups"`` or ``"responses"`` (contact attribute filters read the
    responses); ``freshness`` says up to when the rollups hold every change.
    """

    filters: ReportFilters
    previous: ReportFilters
    kpis: tuple[Kpi, ...]
    trends: tuple[Trend, ...]
    distributions: tuple[Distribution, ...]
    response_rate: Rate
    loop: LoopMetrics
    root_causes: tuple[RootCauseCount, ...]
    improvements: tuple[ImprovementMark, ...]
    source: str
    freshness: RollupFreshness

    @property
    def has_answers(self) -> bool:
        """Whether any counted response falls in the period."""
        return any(kpi.current.n for kpi in self.kpis)


def dashboard_summary(
    session: Session, filters: ReportFilters, *, clock: Clock
) -> DashboardSummary:
    """The dashboard's figures for ``filters``, compared with the previous period.

    Reads the daily rollups (or the responses, for a contact attribute filter) in one query
    covering both periods, plus the delivered invitations, the cases (loop metrics and root
    causes) and the improvement log: a bounded number of queries whatever the data volume.
    ``clock`` is not used for the figures (they depend on the filters only); it is accepted
    for symmetry with other report services and future "today" cut-offs. Reads only.
    """
    del clock  # the figures depend on the filters alone
    previous = filters.previous_period()
    counts = queries.score_counts(session, filters, previous.date_from, filters.date_to)
    current_counts = [count for count in counts if count.day >= filters.date_from]
    previous_counts = [count for count in counts if count.day < filters.date_from]
    kpis = _kpis(current_counts, previous_counts)
    shown = tuple(kpi.rating_type for kpi in kpis)
    delivered, answered = queries.delivered_and_answered(session, filters)
    logged = improvements.list_improvements(
        session,
        touchpoint_id=filters.touchpoint_id,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    return DashboardSummary(
        filters=filters,
        previous=previous,
        kpis=kpis,
        trends=tuple(_trend(rating, current_counts, filters) for rating in shown),
        distributions=tuple(_distribution(rating, current_counts) for rating in shown),
        response_rate=response_rate(answered, delivered),
        loop=loop.loop_metrics(session, filters),
        root_causes=tuple(loop.top_root_causes(session, filters)),
        improvements=tuple(
            ImprovementMark(entry.id, entry.changed_on, entry.title) for entry in reversed(logged)
        ),
        source="responses" if filters.needs_raw_responses else "rollups",
        freshness=rollups.rollup_freshness(session),
    )


@dataclass(frozen=True)
class TouchpointWeek:
    """One touchpoint's figure in one ISO week (``touchpoint_id`` ``None``: no touchpoint)."""

    touchpoint_id: int | None
    week_start: date
    result: ScoreResult


def weekly_by_touchpoint(
    session: Session, filters: ReportFilters, rating: QuestionType = QuestionType.NPS
) -> list[TouchpointWeek]:
    """The weekly table of one rating type per touchpoint (weeks with answers only).

    Sorted by touchpoint id (``None`` last) and week. One query on the rollups (or on the
    responses for a contact attribute filter).
    """
    weekly: dict[tuple[int | None, date], dict[int, int]] = {}
    for count in queries.weekly_counts_by_touchpoint(session, filters, rating.value):
        histogram = weekly.setdefault((count.touchpoint_id, count.week_start), {})
        histogram[count.score] = histogram.get(count.score, 0) + count.responses
    keys = sorted(weekly, key=lambda key: (key[0] is None, key[0] or 0, key[1]))
    return [TouchpointWeek(key[0], key[1], headline(rating, weekly[key])) for key in keys]


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def weeks_of(filters: ReportFilters) -> list[date]:
    """Monday of every ISO week the period touches, oldest first."""
    first, last = week_start(filters.date_from), week_start(filters.date_to)
    return [first + timedelta(weeks=index) for index in range((last - first).days // 7 + 1)]


def histograms(counts: Sequence[ScoreCount]) -> dict[str, dict[int, int]]:
    """Counts folded into one histogram per rating type."""
    folded: dict[str, dict[int, int]] = {}
    for count in counts:
        histogram = folded.setdefault(count.rating_type, {})
        histogram[count.score] = histogram.get(count.score, 0) + count.responses
    return folded


def _kpis(current: Sequence[ScoreCount], previous: Sequence[ScoreCount]) -> tuple[Kpi, ...]:
    now, before = histograms(current), histograms(previous)
    kpis = []
    for rating in RATING_TYPES:
        if rating.value not in now and rating.value not in before:
            continue
        result = headline(rating, merge_histograms([now.get(rating.value, {})]))
        earlier = headline(rating, merge_histograms([before.get(rating.value, {})]))
        kpis.append(Kpi(rating, result, earlier, change(result.moments, earlier.moments)))
    return tuple(kpis)


def _trend(rating: QuestionType, counts: Sequence[ScoreCount], filters: ReportFilters) -> Trend:
    weekly: dict[date, dict[int, int]] = {}
    for count in counts:
        if count.rating_type != rating.value:
            continue
        histogram = weekly.setdefault(week_start(count.day), {})
        histogram[count.score] = histogram.get(count.score, 0) + count.responses
    points = tuple(
        WeeklyPoint(week, headline(rating, weekly.get(week, {}))) for week in weeks_of(filters)
    )
    return Trend(rating, points)


def _distribution(rating: QuestionType, counts: Sequence[ScoreCount]) -> Distribution:
    histogram = histograms([count for count in counts if count.rating_type == rating.value])
    scores = histogram.get(rating.value, {})
    return Distribution(
        rating, tuple((score, scores.get(score, 0)) for score in SCALES[rating].points)
    )
