"""The PDF report's charts (service layer): the dashboard's SVG charts, in the reader's language.

Built with the shared chart module (``charts.py``); only the words differ from the dashboard's,
and the charts' text is set in the report's own font so the PDF looks the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from babel.dates import format_date
from babel.numbers import format_decimal
from markupsafe import Markup

from surveyapp.domain.i18n import N_
from surveyapp.domain.scoring import SCALES, QuestionType
from surveyapp.services.mail.rendering import translate
from surveyapp.services.reporting.charts import Bar, Chart, TrendPoint, bar_chart, trend_chart
from surveyapp.services.reporting.dashboard import DashboardSummary

REPORT_FONT = 'font-family="Report Sans"'
METRIC_NAMES = {
    QuestionType.NPS: N_("NPS"),
    QuestionType.CSAT: N_("CSAT %"),
    QuestionType.CES: N_("CES (mean)"),
}
Y_RANGES = {
    QuestionType.NPS: (-100.0, 100.0),
    QuestionType.CSAT: (0.0, 100.0),
    QuestionType.CES: (1.0, 7.0),
}


@dataclass(frozen=True)
class RatingCharts:
    """One rating type's weekly trend and score distribution."""

    rating_type: str
    name: str
    trend: Chart
    distribution: Chart


def report_charts(summary: DashboardSummary, *, locale: str) -> tuple[RatingCharts, ...]:
    """The trend and distribution charts of every rating type the summary shows."""
    distributions = {item.rating_type: item for item in summary.distributions}
    charts = []
    for trend in summary.trends:
        rating = trend.rating_type
        name = translate(METRIC_NAMES[rating], locale=locale)
        digits = 1 if rating == QuestionType.CES else 0

        def number(value: float, digits: int = digits) -> str:
            return str(format_decimal(round(value, digits), locale=locale))

        points = [
            TrendPoint(
                format_date(point.week_start, "d MMM", locale=locale),
                point.result.value,
                point.result.margin,
                point.result.n,
            )
            for point in trend.points
        ]
        trend_svg = trend_chart(
            f"trend-{rating.value}",
            title=translate(N_("%(metric)s by week"), locale=locale, metric=name),
            description=translate(
                N_("Weekly %(metric)s with 95%% error bars."), locale=locale, metric=name
            ),
            points=points,
            y_range=Y_RANGES[rating],
            head=(
                translate(N_("Week of"), locale=locale),
                name,
                translate(N_("Margin of error"), locale=locale),
                translate(N_("Answers"), locale=locale),
            ),
            number=number,
        )
        counts = distributions[rating].counts if rating in distributions else ()
        distribution_svg = bar_chart(
            f"distribution-{rating.value}",
            title=translate(N_("Score distribution"), locale=locale),
            description=translate(
                N_("Answers per score from %(low)s to %(high)s."),
                locale=locale,
                low=SCALES[rating].minimum,
                high=SCALES[rating].maximum,
            ),
            bars=[Bar(str(score), float(count)) for score, count in counts],
            head=(translate(N_("Score"), locale=locale), translate(N_("Answers"), locale=locale)),
        )
        charts.append(
            RatingCharts(
                rating.value, name, _in_report_font(trend_svg), _in_report_font(distribution_svg)
            )
        )
    return tuple(charts)


def _in_report_font(chart: Chart) -> Chart:
    # The chart module asks for "sans-serif", which each machine resolves to its own font.
    svg = Markup(str(chart.svg).replace('font-family="sans-serif"', REPORT_FONT))  # noqa: S704 -- the chart's own markup
    return replace(chart, svg=svg)
