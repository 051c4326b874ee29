"""Scoring boundaries (DESIGN.md §6), checked for every point of every scale."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveyapp.domain.scoring import (
    SCALES,
    NpsCategory,
    QuestionType,
    ces_easy,
    csat_satisfied,
    derive_scores,
    nps_category,
)


@given(st.integers(min_value=0, max_value=10))
def test_nps_categories_follow_the_definition(score: int) -> None:
    expected = (
        NpsCategory.PROMOTER
        if score >= 9
        else NpsCategory.PASSIVE
        if score >= 7
        else NpsCategory.DETRACTOR
    )
    assert nps_category(score) == expected


def test_nps_boundaries() -> None:
    assert [nps_category(s) for s in (6, 7, 8, 9)] == [
        NpsCategory.DETRACTOR,
        NpsCategory.PASSIVE,
        NpsCategory.PASSIVE,
        NpsCategory.PROMOTER,
    ]


@given(st.integers(min_value=1, max_value=5))
def test_csat_satisfied_is_four_and_five(score: int) -> None:
    assert csat_satisfied(score) is (score in (4, 5))


@given(st.integers(min_value=1, max_value=7))
def test_ces_easy_is_five_to_seven(score: int) -> None:
    assert ces_easy(score) is (score >= 5)


@given(st.sampled_from(sorted(SCALES)), st.integers(min_value=-100, max_value=100))
def test_scores_off_the_scale_are_refused(question_type: QuestionType, score: int) -> None:
    scale = SCALES[question_type]
    if scale.contains(score):
        derive_scores(question_type, score)
    else:
        with pytest.raises(ValueError, match="outside"):
            derive_scores(question_type, score)


def test_every_scale_states_its_good_end_as_high() -> None:
    assert {scale.good_end for scale in SCALES.values()} == {"high"}
    assert (SCALES[QuestionType.CES].minimum, SCALES[QuestionType.CES].maximum) == (1, 7)


def test_unhappy_band_matches_each_metric() -> None:
    assert derive_scores(QuestionType.NPS, 6).is_unhappy
    assert not derive_scores(QuestionType.NPS, 7).is_unhappy
    assert derive_scores(QuestionType.CSAT, 3).is_unhappy
    assert not derive_scores(QuestionType.CSAT, 4).is_unhappy
    assert derive_scores(QuestionType.CES, 4).is_unhappy
    assert not derive_scores(QuestionType.CES, 5).is_unhappy
