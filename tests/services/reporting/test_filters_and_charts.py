"""Report filters from a query string, and the SVG charts with their data tables."""

from __future__ import annotations

from datetime import date

import pytest

from surveyapp.models import Channel
from surveyapp.services.errors import ValidationFailed
from surveyapp.services.reporting.charts import Bar, ChartMark, TrendPoint, bar_chart, trend_chart
from surveyapp.services.reporting.filters import ReportFilters, parse_filters

TODAY = date(2026, 3, 2)


def test_defaults_are_the_last_twelve_weeks() -> None:
    filters = parse_filters({}, today=TODAY)
    assert (filters.date_from, filters.date_to, filters.days) == (date(2025, 12, 9), TODAY, 84)
    assert filters.previous_period().date_to == date(2025, 12, 8)
    assert filters.previous_period().days == 84


def test_query_args_round_trip() -> None:
    filters = ReportFilters(
        date_from=date(2026, 1, 1),
        date_to=date(2026, 1, 31),
        touchpoint_id=3,
        channel=Channel.WEB,
        attribute="plan",
        attribute_value="pro",
    )
    assert parse_filters(filters.query_args(), today=TODAY) == filters
    assert filters.needs_raw_responses


def test_bad_filters_name_their_fields() -> None:
    with pytest.raises(ValidationFailed) as raised:
        parse_filters(
            {
                "date_from": "2026-02-30",
                "touchpoint_id": "x",
                "channel": "fax",
                "attribute_value": "pro",
            },
            today=TODAY,
        )
    assert set(raised.value.field_errors) == {"date_from", "touchpoint_id", "channel", "attribute"}
    with pytest.raises(ValidationFailed) as reversed_range:
        parse_filters({"date_from": "2026-03-01", "date_to": "2026-02-01"}, today=TODAY)
    assert set(reversed_range.value.field_errors) == {"date_to"}


def test_trend_chart_is_an_accessible_svg_with_its_table() -> None:
    chart = trend_chart(
        "trend-nps",
        title="NPS <per> week",
        description="with error bars",
        points=[TrendPoint("2 Feb", 20.0, 10.0, 40), TrendPoint("9 Feb", None, None, 0)],
        y_range=(-100, 100),
        head=("Week", "NPS", "±", "n"),
        marks=[ChartMark(1, "New <script>")],
    )
    svg = str(chart.svg)
    assert 'role="img"' in svg
    assert 'aria-labelledby="trend-nps-title trend-nps-desc"' in svg
    assert "NPS &lt;per&gt; week" in svg
    assert "<script>" not in svg
    assert "stroke-dasharray" in svg  # the improvement mark
    assert chart.table_rows == (("2 Feb", "20.0", "10.0", "40"), ("9 Feb", "", "", "0"))


def test_bar_chart_draws_one_bar_per_score() -> None:
    chart = bar_chart(
        "dist",
        title="Scores",
        description="d",
        bars=[Bar(str(score), float(score)) for score in range(11)],
        head=("Score", "Answers"),
    )
    assert str(chart.svg).count("<rect") == 11
    assert chart.table_rows[10] == ("10", "10")
