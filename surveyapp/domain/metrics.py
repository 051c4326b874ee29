"""Report metrics exactly as DESIGN.md §6 defines them, computed from score histograms.

Every figure derives from a histogram ``{score: count}`` of one rating type, so the same
functions serve daily rollups and raw responses alike. Per-respondent values are scaled so
that their mean *is* the reported figure (NPS: +100 / 0 / -100; CSAT %: 100 or 0), which lets
one z-test compare any two periods. Variances are population variances, as §6 states for NPS
(``p + d - (p - d)^2``); margins of error are 95 % normal intervals (1.96 standard errors).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from surveyapp.domain.scoring import QuestionType, ces_easy, csat_satisfied, nps_category

Histogram = Mapping[int, int]
Z_95 = 1.96
# Fewer answers than this and a figure is marked as a small sample (DESIGN.md §6).
SMALL_SAMPLE = 30


@dataclass(frozen=True)
class Moments:
    """Count, mean and population variance of per-respondent values."""

    n: int
    mean: float | None
    variance: float | None

    @property
    def margin(self) -> float | None:
        """The 95 % margin of error of the mean; ``None`` without answers."""
        if self.n == 0 or self.variance is None:
            return None
        return Z_95 * math.sqrt(self.variance / self.n)


class SampledFigure:
    """A figure from ``n`` answers, marked small below ``SMALL_SAMPLE`` (DESIGN.md §6)."""

    n: int

    @property
    def small(self) -> bool:
        """Whether fewer than ``SMALL_SAMPLE`` answers stand behind the figure."""
        return self.n < SMALL_SAMPLE


@dataclass(frozen=True)
class NpsResult(SampledFigure):
    """NPS (-100..100) with its 95 % margin, the counts behind it, and the small-sample mark."""

    value: float | None
    margin: float | None
    n: int
    promoters: int
    passives: int
    detractors: int
    moments: Moments


@dataclass(frozen=True)
class CsatResult(SampledFigure):
    """CSAT: percent satisfied (4-5 of 1-5) with its 95 % margin, and the mean score."""

    value: float | None
    margin: float | None
    mean: float | None
    n: int
    moments: Moments


@dataclass(frozen=True)
class CesResult(SampledFigure):
    """CES 2.0: the mean (1-7) with its 95 % margin, and the percent "easy" (5-7)."""

    value: float | None
    margin: float | None
    share_easy: float | None
    n: int
    moments: Moments


@dataclass(frozen=True)
class SignificantChange:
    """A change between two periods: ``delta`` = current - previous, in the figure's unit.

    ``z`` is the two-sample z statistic (``None`` when either period has no answers or both
    have no spread); ``significant`` only when ``|z| > 1.96`` (DESIGN.md §6).
    """

    delta: float | None
    z: float | None
    significant: bool

    @property
    def direction(self) -> str:
        """``"up"``, ``"down"`` or ``"flat"`` (no change or unknown)."""
        if self.delta is None or self.delta == 0:
            return "flat"
        return "up" if self.delta > 0 else "down"


@dataclass(frozen=True)
class Rate:
    """A share in percent of ``denominator``; ``value`` is ``None`` when nothing was counted."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        """``100 * numerator / denominator``, or ``None`` for an empty denominator."""
        if self.denominator == 0:
            return None
        return 100.0 * self.numerator / self.denominator


@dataclass(frozen=True)
class DurationSummary:
    """Median and 90th percentile of durations in seconds (``None`` without durations)."""

    n: int
    median: float | None
    p90: float | None


def merge_histograms(histograms: Iterable[Histogram]) -> dict[int, int]:
    """Add histograms score by score; scores with a zero total are left out."""
    total: dict[int, int] = {}
    for histogram in histograms:
        for score, count in histogram.items():
            total[score] = total.get(score, 0) + count
    return {score: count for score, count in sorted(total.items()) if count}


def moments(histogram: Histogram, value_of: Callable[[int], float]) -> Moments:
    """Count, mean and population variance of ``value_of(score)`` over the histogram."""
    n = sum(histogram.values())
    if n == 0:
        return Moments(0, None, None)
    mean = sum(value_of(score) * count for score, count in histogram.items()) / n
    variance = sum((value_of(score) - mean) ** 2 * count for score, count in histogram.items()) / n
    return Moments(n, mean, max(variance, 0.0))


def nps_value(score: int) -> float:
    """One respondent's contribution to NPS: +100 promoter, 0 passive, -100 detractor."""
    category = nps_category(score).value
    return {"promoter": 100.0, "passive": 0.0, "detractor": -100.0}[category]


def csat_value(score: int) -> float:
    """One respondent's contribution to CSAT %: 100 when satisfied (4-5), else 0."""
    return 100.0 if csat_satisfied(score) else 0.0


def ces_easy_value(score: int) -> float:
    """One respondent's contribution to the share easy: 100 for 5-7, else 0."""
    return 100.0 if ces_easy(score) else 0.0


def ces_value(score: int) -> float:
    """One respondent's CES value: the score itself (1-7), checked against the scale."""
    ces_easy(score)  # raises ValueError off the scale
    return float(score)


def nps(histogram: Histogram) -> NpsResult:
    """NPS = 100 (P - D) / N; margin = 1.96 * 100 * sqrt((p + d - (p - d)^2) / N).

    Raises ``ValueError`` for a score outside 0-10.
    """
    stats = moments(histogram, nps_value)
    counts = {"promoter": 0, "passive": 0, "detractor": 0}
    for score, count in histogram.items():
        counts[nps_category(score).value] += count
    return NpsResult(
        value=stats.mean,
        margin=stats.margin,
        n=stats.n,
        promoters=counts["promoter"],
        passives=counts["passive"],
        detractors=counts["detractor"],
        moments=stats,
    )


def csat(histogram: Histogram) -> CsatResult:
    """CSAT % (share of 4 and 5) with its margin, and the mean of 1-5; ``ValueError`` off scale."""
    stats = moments(histogram, csat_value)
    mean = moments(histogram, float).mean
    return CsatResult(stats.mean, stats.margin, mean, stats.n, stats)


def ces(histogram: Histogram) -> CesResult:
    """CES mean (1-7) with its margin, and the share easy (5-7); ``ValueError`` off scale."""
    stats = moments(histogram, ces_value)
    easy = moments(histogram, ces_easy_value).mean
    return CesResult(stats.mean, stats.margin, easy, stats.n, stats)


ScoreResult = NpsResult | CsatResult | CesResult


def headline(question_type: QuestionType, histogram: Histogram) -> ScoreResult:
    """The headline result of a rating type: NPS, CSAT % or CES mean."""
    if question_type == QuestionType.NPS:
        return nps(histogram)
    if question_type == QuestionType.CSAT:
        return csat(histogram)
    if question_type == QuestionType.CES:
        return ces(histogram)
    raise ValueError(f"{question_type} is not a rating type")


def change(current: Moments, previous: Moments) -> SignificantChange:
    """Two-sample z-test of the per-respondent means: z = (m1 - m0) / sqrt(v1/n1 + v0/n0).

    Significant only when ``|z| > 1.96``. Without answers in either period, the change is
    unknown (``delta`` and ``z`` ``None``); two samples without spread give ``z`` ``None``
    when their means agree (or one has a single answer) and an infinite ``z`` otherwise.
    """
    if current.mean is None or previous.mean is None:
        return SignificantChange(None, None, significant=False)
    delta = current.mean - previous.mean
    variance = (current.variance or 0.0) / current.n + (previous.variance or 0.0) / previous.n
    if variance <= 0:
        # Both periods without spread: equal means are no change; different means are as far
        # apart as samples can be (z infinite), once each period has more than one answer.
        if delta == 0 or min(current.n, previous.n) < 2:  # noqa: PLR2004
            return SignificantChange(delta, None, significant=False)
        return SignificantChange(delta, math.copysign(math.inf, delta), significant=True)
    z = delta / math.sqrt(variance)
    return SignificantChange(delta, z, significant=abs(z) > Z_95)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` quantile (0..1) by linear interpolation between closest ranks.

    The same definition as NumPy's default ("linear", Hyndman & Fan type 7). ``None`` for no
    values; raises ``ValueError`` for a fraction outside 0..1.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("fraction must lie in 0..1")
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    weight = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * weight


def durations(seconds: Sequence[float]) -> DurationSummary:
    """Median and p90 of durations given in seconds (for time to first action, resolution)."""
    return DurationSummary(len(seconds), percentile(seconds, 0.5), percentile(seconds, 0.9))


def response_rate(responses: int, delivered: int) -> Rate:
    """Responses per invitation delivered (sent and not failed), in percent."""
    return Rate(responses, delivered)


def recovery_rate(recovered: int, resurveyed_answered: int) -> Rate:
    """Among closed cases re-surveyed and answered, the share whose score left the unhappy band."""
    return Rate(recovered, resurveyed_answered)


def within_sla_rate(within: int, total: int) -> Rate:
    """Share of cases resolved by their resolution due time, among those resolved."""
    return Rate(within, total)
