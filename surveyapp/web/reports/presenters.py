"""What the report pages show: KPI tiles, charts with translated labels, readable durations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_date, format_decimal, gettext
from flask_babel import lazy_gettext as _l

from surveyapp.domain.metrics import ScoreResult, SignificantChange
from surveyapp.domain.scoring import QuestionType
from surveyapp.services.reporting.charts import (
    Bar,
    Chart,
    ChartMark,
    TrendPoint,
    bar_chart,
    trend_chart,
)
from surveyapp.services.reporting.dashboard import DashboardSummary, Distribution, Trend, weeks_of

RATING_NAMES: dict[QuestionType, Any] = {
    QuestionType.NPS: _l("NPS"),
    QuestionType.CSAT: _l("CSAT"),
    QuestionType.CES: _l("CES"),
}
RATING_UNITS: dict[QuestionType, Any] = {
    QuestionType.NPS: _l("Net Promoter Score, -100 to 100"),
    QuestionType.CSAT: _l("Share satisfied (4-5 of 5), in percent"),
    QuestionType.CES: _l("Mean effort score, 1 (hard) to 7 (easy)"),
}
Y_RANGES: dict[QuestionType, tuple[float, float]] = {
    QuestionType.NPS: (-100.0, 100.0),
    QuestionType.CSAT: (0.0, 100.0),
    QuestionType.CES: (1.0, 7.0),
}


@dataclass(frozen=True)
class RatingCharts:
    """The trend and the distribution of one rating type."""

    rating_type: QuestionType
    trend: Chart
    distribution: Chart


def number(value: float | None, digits: int = 1) -> str:
    """A figure in the staff member's locale ("12.5", "12,5"); a dash when unknown."""
    if value is None:
        return "–"
    return str(format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0"))


def signed(value: float | None) -> str:
    """A change with its sign ("+4.2", "−3.0")."""
    if value is None:
        return "–"
    text = number(abs(value))
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def duration(seconds: float | None) -> str:
    """Seconds as hours (or days beyond two days), rounded to one decimal."""
    if seconds is None:
        return "–"
    hours = seconds / 3600
    if hours >= 48:  # noqa: PLR2004 -- switch to days beyond two days
        return str(gettext("%(days)s days", days=number(hours / 24)))
    return str(gettext("%(hours)s h", hours=number(hours)))


def change_text(change: SignificantChange) -> str:
    """Whether a change is significant, in words that do not claim more than the test shows."""
    if change.delta is None:
        return str(gettext("No comparison: one period has no answers."))
    if change.significant:
        return str(gettext("Significant change (|z| > 1.96)."))
    return str(gettext("Not significant: within the noise of the samples."))


def headline_value(result: ScoreResult) -> float | None:
    """The headline figure of a result (NPS, CSAT %, CES mean)."""
    return result.value


def rating_charts(summary: DashboardSummary) -> list[RatingCharts]:
    """Trend and distribution charts of every rating type shown."""
    distributions = {d.rating_type: d for d in summary.distributions}
    return [
        RatingCharts(
            trend.rating_type,
            _trend_chart(summary, trend),
            _distribution_chart(distributions[trend.rating_type]),
        )
        for trend in summary.trends
    ]


def _week_label(week: date) -> str:
    return str(format_date(week, "d MMM"))


def _trend_chart(summary: DashboardSummary, trend: Trend) -> Chart:
    name = RATING_NAMES[trend.rating_type]
    weeks = weeks_of(summary.filters)
    marks = [
        ChartMark((mark.changed_on - weeks[0]).days // 7, f"{mark.changed_on}: {mark.title}")
        for mark in summary.improvements
        if weeks and mark.changed_on >= weeks[0]
    ]
    points = [
        TrendPoint(
            _week_label(point.week_start), point.result.value, point.result.margin, point.result.n
        )
        for point in trend.points
    ]
    return trend_chart(
        f"trend-{trend.rating_type.value}",
        title=gettext("%(metric)s per week", metric=name),
        description=gettext(
            "%(unit)s per week starting Monday, with 95%% error bars. Dashed lines mark changes "
            "from the improvement log.",
            unit=RATING_UNITS[trend.rating_type],
        ),
        points=points,
        y_range=Y_RANGES[trend.rating_type],
        head=(gettext("Week of"), str(name), gettext("Margin (±)"), gettext("Answers")),
        marks=marks,
        number=number,
    )


def _distribution_chart(distribution: Distribution) -> Chart:
    name = RATING_NAMES[distribution.rating_type]
    return bar_chart(
        f"distribution-{distribution.rating_type.value}",
        title=gettext("Distribution of %(metric)s scores", metric=name),
        description=gettext("How many answers gave each score of the scale."),
        bars=[Bar(str(score), float(count)) for score, count in distribution.counts],
        head=(gettext("Score"), gettext("Answers")),
        number=lambda value: number(value, 0),
    )
