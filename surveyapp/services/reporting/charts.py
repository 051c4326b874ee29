"""Server-made SVG charts for the dashboard and the PDF reports: no JavaScript, no fonts fetched.

Charts are built only from numbers and from labels that are escaped here, so their markup is
safe to insert unescaped (``markupsafe.Markup``). Each chart carries the rows of its data
table: pages show that table to screen readers (and to anyone who prefers numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 240
MARGIN_LEFT = 48
MARGIN_RIGHT = 16
MARGIN_TOP = 16
MARGIN_BOTTOM = 40
LINE_COLOUR = "#1f5fa8"
BAR_COLOUR = "#1f5fa8"
MARK_COLOUR = "#b3261e"
GRID_COLOUR = "#d0d4d9"
TEXT_COLOUR = "#333333"


def _one_decimal(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True)
class Chart:
    """An SVG chart with its accessible name, description and data table."""

    chart_id: str
    title: str
    description: str
    svg: Markup
    table_head: tuple[str, ...]
    table_rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class TrendPoint:
    """One point of a trend: ``value`` with its error bar ``value ± margin`` (``None``: none)."""

    label: str
    value: float | None
    margin: float | None
    n: int


@dataclass(frozen=True)
class ChartMark:
    """A vertical marker before the point at ``index`` (an improvement logged that week)."""

    index: int
    label: str


@dataclass(frozen=True)
class Bar:
    """One bar: ``label`` under it, ``value`` as its height."""

    label: str
    value: float


def trend_chart(
    chart_id: str,
    *,
    title: str,
    description: str,
    points: Sequence[TrendPoint],
    y_range: tuple[float, float],
    head: tuple[str, str, str, str],
    marks: Sequence[ChartMark] = (),
    number: Callable[[float], str] = _one_decimal,
) -> Chart:
    """A line of points with 95 % error bars over ``y_range``; ``marks`` draw dashed lines.

    ``head`` names the table's columns: period, value, margin, answers. Points without a
    value are left out of the line (a gap) and show an empty cell in the table.
    """
    low, high = y_range
    plot = _Plot(len(points), low, high)
    parts = [*_grid(plot, number)]
    for mark in marks:
        x = plot.x(mark.index) - plot.step / 2
        parts.append(
            f'<line x1="{x:.1f}" y1="{MARGIN_TOP}" x2="{x:.1f}" y2="{HEIGHT - MARGIN_BOTTOM}" '
            f'stroke="{MARK_COLOUR}" stroke-dasharray="4 3"><title>{escape(mark.label)}</title>'
            "</line>"
        )
    parts.extend(_line_and_error_bars(plot, points))
    parts.extend(_x_labels(plot, [point.label for point in points]))
    rows = tuple(
        (
            point.label,
            number(point.value) if point.value is not None else "",
            number(point.margin) if point.margin is not None else "",
            str(point.n),
        )
        for point in points
    )
    return Chart(
        chart_id, title, description, _svg(chart_id, title, description, parts), head, rows
    )


def bar_chart(
    chart_id: str,
    *,
    title: str,
    description: str,
    bars: Sequence[Bar],
    head: tuple[str, str],
    number: Callable[[float], str] = lambda value: f"{value:.0f}",
) -> Chart:
    """Vertical bars from zero (a score distribution); ``head`` names label and value columns."""
    top = max((bar.value for bar in bars), default=0.0) or 1.0
    plot = _Plot(len(bars), 0.0, top)
    parts = [*_grid(plot, number)]
    width = plot.step * 0.7
    for index, bar in enumerate(bars):
        x = plot.x(index) - width / 2
        y = plot.y(bar.value)
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
            f'height="{plot.y(0.0) - y:.1f}" fill="{BAR_COLOUR}">'
            f"<title>{escape(bar.label)}: {escape(number(bar.value))}</title></rect>"
        )
    parts.extend(_x_labels(plot, [bar.label for bar in bars]))
    rows = tuple((bar.label, number(bar.value)) for bar in bars)
    return Chart(
        chart_id, title, description, _svg(chart_id, title, description, parts), head, rows
    )


@dataclass(frozen=True)
class _Plot:
    """Maps point indexes and values to SVG coordinates."""

    count: int
    low: float
    high: float

    @property
    def step(self) -> float:
        return (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / max(self.count, 1)

    def x(self, index: int) -> float:
        return MARGIN_LEFT + self.step * (index + 0.5)

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1.0
        clamped = min(max(value, self.low), self.high)
        return MARGIN_TOP + (HEIGHT - MARGIN_TOP - MARGIN_BOTTOM) * (self.high - clamped) / span


def _grid(plot: _Plot, number: Callable[[float], str]) -> list[str]:
    lines = []
    for fraction in (0.0, 0.25, 0.5, 0.75, 1.0):
        value = plot.low + (plot.high - plot.low) * fraction
        y = plot.y(value)
        lines.append(
            f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - MARGIN_RIGHT}" y2="{y:.1f}" '
            f'stroke="{GRID_COLOUR}"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{TEXT_COLOUR}">{escape(number(value))}</text>'
        )
    return lines


def _line_and_error_bars(plot: _Plot, points: Sequence[TrendPoint]) -> list[str]:
    parts: list[str] = []
    segment: list[str] = []
    for index, point in enumerate(points):
        if point.value is None:
            parts.extend(_polyline(segment))
            segment = []
            continue
        x, y = plot.x(index), plot.y(point.value)
        segment.append(f"{x:.1f},{y:.1f}")
        if point.margin is not None:
            top, bottom = plot.y(point.value + point.margin), plot.y(point.value - point.margin)
            parts.append(
                f'<path d="M{x - 4:.1f} {top:.1f}H{x + 4:.1f}M{x:.1f} {top:.1f}V{bottom:.1f}'
                f'M{x - 4:.1f} {bottom:.1f}H{x + 4:.1f}" stroke="{LINE_COLOUR}" fill="none"/>'
            )
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{LINE_COLOUR}">'
            f"<title>{escape(point.label)}</title></circle>"
        )
    parts.extend(_polyline(segment))
    return parts


def _polyline(segment: list[str]) -> list[str]:
    if len(segment) < 2:  # noqa: PLR2004 -- a line needs two points
        return []
    return [
        f'<polyline points="{" ".join(segment)}" fill="none" stroke="{LINE_COLOUR}" '
        'stroke-width="2"/>'
    ]


def _x_labels(plot: _Plot, labels: Sequence[str]) -> list[str]:
    # Label every n-th point so that long trends stay readable on a phone.
    every = max(1, -(-len(labels) // 12))
    return [
        f'<text x="{plot.x(index):.1f}" y="{HEIGHT - MARGIN_BOTTOM + 16}" text-anchor="middle" '
        f'font-size="11" fill="{TEXT_COLOUR}">{escape(label)}</text>'
        for index, label in enumerate(labels)
        if index % every == 0
    ]


def _svg(chart_id: str, title: str, description: str, parts: Sequence[str]) -> Markup:
    ident = escape(chart_id)
    body = "".join(parts)
    return Markup(  # noqa: S704 -- built from numbers and escaped labels only
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="sans-serif"><title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>{body}</svg>'
    )
