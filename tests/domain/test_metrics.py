"""Report metrics: figures computed by hand (DESIGN.md §6) and checked against scipy."""

from __future__ import annotations

import math
import random

import pytest
from scipy import stats

from surveyapp.domain.metrics import (
    SMALL_SAMPLE,
    ces,
    change,
    csat,
    durations,
    merge_histograms,
    nps,
    percentile,
    recovery_rate,
    response_rate,
)


def test_nps_of_a_small_sample_by_hand() -> None:
    # 8 promoters, 2 passives... 15 answers: NPS = 100 * (8 - 3) / 15.
    result = nps({10: 5, 9: 3, 8: 2, 7: 2, 6: 1, 3: 2})
    assert (result.promoters, result.passives, result.detractors, result.n) == (8, 4, 3, 15)
    assert result.value == pytest.approx(33.3333333)
    # variance p + d - (p - d)^2 = 11/15 - (5/15)^2; margin 1.96 * 100 * sqrt(var / 15)
    assert result.margin == pytest.approx(39.919326, abs=1e-5)
    assert result.small


def test_nps_extremes_and_empty() -> None:
    assert nps({10: 40}).value == 100
    assert nps({10: 40}).margin == 0
    assert nps({0: 40}).value == -100
    empty = nps({})
    assert (empty.value, empty.margin, empty.n) == (None, None, 0)
    assert empty.small


def test_small_sample_mark_starts_below_thirty() -> None:
    assert nps({9: SMALL_SAMPLE - 1}).small
    assert not nps({9: SMALL_SAMPLE}).small


def test_csat_percent_mean_and_margin_by_hand() -> None:
    result = csat({5: 3, 4: 1, 3: 1, 1: 1})
    assert result.value == pytest.approx(66.666667)
    assert result.mean == pytest.approx(23 / 6)
    assert result.margin == pytest.approx(37.720218, abs=1e-5)


def test_ces_mean_margin_and_share_easy_by_hand() -> None:
    result = ces({7: 2, 5: 1, 4: 1, 2: 1})
    assert result.value == pytest.approx(5.0)
    assert result.share_easy == pytest.approx(60.0)
    # population variance 18/5; margin 1.96 * sqrt(3.6 / 5)
    assert result.margin == pytest.approx(1.663115, abs=1e-5)


def test_scores_off_the_scale_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        nps({11: 1})
    with pytest.raises(ValueError, match="outside"):
        csat({0: 1})
    with pytest.raises(ValueError, match="outside"):
        ces({8: 1})


def test_change_is_significant_only_beyond_1_96() -> None:
    # 40 promoters (NPS 100) against 20 promoters and 20 detractors (NPS 0).
    clear = change(nps({10: 40}).moments, nps({10: 20, 0: 20}).moments)
    assert clear.delta == pytest.approx(100)
    assert clear.z is not None
    assert clear.z > 1.96
    assert clear.significant
    assert clear.direction == "up"
    # One more promoter in 20 answers is noise.
    noise = change(nps({10: 11, 0: 9}).moments, nps({10: 10, 0: 10}).moments)
    assert noise.z is not None
    assert abs(noise.z) < 1.96
    assert not noise.significant


def test_change_without_answers_or_spread_is_unknown() -> None:
    unknown = change(nps({}).moments, nps({9: 5}).moments)
    assert (unknown.delta, unknown.z, unknown.significant) == (None, None, False)
    flat = change(nps({9: 5}).moments, nps({10: 7}).moments)
    assert (flat.delta, flat.z, flat.significant) == (0, None, False)
    assert flat.direction == "flat"
    apart = change(nps({10: 30}).moments, nps({0: 30}).moments)
    assert (apart.delta, apart.z, apart.significant) == (200, math.inf, True)
    single = change(nps({10: 1}).moments, nps({0: 1}).moments)
    assert (single.z, single.significant) == (None, False)


@pytest.mark.parametrize("seed", range(5))
def test_nps_and_change_agree_with_scipy_on_random_answers(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 -- reproducible test data
    first = [rng.randint(0, 10) for _ in range(rng.randint(30, 400))]
    second = [rng.choice([6, 9, 10, 3, 8]) for _ in range(rng.randint(30, 400))]
    values_first = [100 if s >= 9 else -100 if s <= 6 else 0 for s in first]
    values_second = [100 if s >= 9 else -100 if s <= 6 else 0 for s in second]
    result_first = nps(_histogram(first))
    result_second = nps(_histogram(second))
    assert result_first.value == pytest.approx(sum(values_first) / len(first))
    # 95 % margin: 1.96 population standard errors (scipy's sem with ddof=0)
    assert result_first.margin == pytest.approx(1.96 * stats.sem(values_first, ddof=0))
    observed = change(result_first.moments, result_second.moments)
    se = math.hypot(stats.sem(values_first, ddof=0), stats.sem(values_second, ddof=0))
    expected_z = (stats.tmean(values_first) - stats.tmean(values_second)) / se
    assert observed.z == pytest.approx(expected_z)
    # the same decision as a two-sided test at 5 % with scipy's normal distribution
    p_value = 2 * stats.norm.sf(abs(expected_z))
    assert observed.significant == (p_value < 0.05)


@pytest.mark.parametrize("seed", range(5))
def test_csat_and_ces_agree_with_scipy_on_random_answers(seed: int) -> None:
    rng = random.Random(100 + seed)  # noqa: S311 -- reproducible test data
    csat_scores = [rng.randint(1, 5) for _ in range(rng.randint(1, 300))]
    ces_scores = [rng.randint(1, 7) for _ in range(rng.randint(2, 300))]
    csat_result = csat(_histogram(csat_scores))
    satisfied = [100.0 if s >= 4 else 0.0 for s in csat_scores]
    assert csat_result.value == pytest.approx(stats.tmean(satisfied))
    assert csat_result.mean == pytest.approx(stats.tmean(csat_scores))
    ces_result = ces(_histogram(ces_scores))
    assert ces_result.value == pytest.approx(stats.tmean(ces_scores))
    assert ces_result.margin == pytest.approx(1.96 * stats.sem(ces_scores, ddof=0))
    easy = [100.0 if s >= 5 else 0.0 for s in ces_scores]
    assert ces_result.share_easy == pytest.approx(stats.tmean(easy))


@pytest.mark.parametrize("seed", range(5))
def test_percentiles_agree_with_scipy(seed: int) -> None:
    rng = random.Random(200 + seed)  # noqa: S311 -- reproducible test data
    values = [rng.uniform(0, 100_000) for _ in range(rng.randint(1, 500))]
    assert percentile(values, 0.5) == pytest.approx(stats.scoreatpercentile(values, 50))
    assert percentile(values, 0.9) == pytest.approx(stats.scoreatpercentile(values, 90))


def test_durations_by_hand() -> None:
    summary = durations([3600, 60, 7200, 600])
    assert summary.n == 4
    assert summary.median == pytest.approx((600 + 3600) / 2)
    # rank 0.9 * 3 = 2.7 between 3600 and 7200
    assert summary.p90 == pytest.approx(3600 + 0.7 * 3600)
    assert durations([]) == type(summary)(0, None, None)
    with pytest.raises(ValueError, match="fraction"):
        percentile([1.0], 1.5)


def test_rates() -> None:
    assert response_rate(25, 100).value == 25
    assert response_rate(0, 0).value is None
    assert recovery_rate(3, 4).value == 75


def test_merge_histograms_adds_scores() -> None:
    assert merge_histograms([{9: 2, 3: 1}, {9: 1, 0: 0}]) == {3: 1, 9: 3}


def _histogram(scores: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for score in scores:
        counts[score] = counts.get(score, 0) + 1
    return counts
