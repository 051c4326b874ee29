"""Which answers open a follow-up case, at which priority and in which score band."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveyapp.domain.case_rules import (
    DEFAULT_CRITERIA,
    CaseCriteria,
    CasePriority,
    CaseReason,
    ScoreBand,
    clean_keywords,
    decide,
    raise_priority,
    score_band,
)
from surveyapp.domain.scoring import QuestionType
from surveyapp.domain.survey_definition import Option, Question, SurveyDefinition
from surveyapp.domain.survey_templates import ces_template, csat_template, nps_template

NPS = nps_template()


@pytest.mark.parametrize(
    ("definition", "opening", "not_opening"),
    [
        (NPS, range(7), range(7, 11)),
        (csat_template(), range(1, 3), range(3, 6)),
        (ces_template(), range(1, 4), range(4, 8)),
    ],
)
def test_default_thresholds(
    definition: SurveyDefinition, opening: range, not_opening: range
) -> None:
    for score in opening:
        decision = decide(definition, {"score": score}, DEFAULT_CRITERIA)
        assert decision.reasons == (CaseReason.SCORE,), score
    for score in not_opening:
        assert not decide(definition, {"score": score}, DEFAULT_CRITERIA).opens_case, score


def test_thresholds_are_editable_and_can_be_switched_off() -> None:
    stricter = CaseCriteria(nps_max=4)
    assert decide(NPS, {"score": 4}, stricter).opens_case
    assert not decide(NPS, {"score": 5}, stricter).opens_case
    assert not decide(NPS, {"score": 0}, CaseCriteria(nps_max=None)).opens_case


def test_a_contact_request_always_opens_a_case() -> None:
    answers = {"score": 10, "contact": True}
    for criteria in (DEFAULT_CRITERIA, CaseCriteria(is_active=False, nps_max=None)):
        decision = decide(NPS, answers, criteria)
        assert decision.reasons == (CaseReason.CONTACT_REQUEST,)
        assert decision.priority == CasePriority.NORMAL
    assert not decide(NPS, {"score": 10, "contact": False}, DEFAULT_CRITERIA).opens_case


def test_switched_off_rules_open_nothing_but_contact_requests() -> None:
    off = CaseCriteria(is_active=False, keywords=("cancel",))
    assert not decide(NPS, {"score": 0, "improve": "I will cancel"}, off).opens_case


def test_keywords_match_any_text_answer_ignoring_case() -> None:
    criteria = CaseCriteria(nps_max=None, keywords=("kündigen", "Refund"))
    decision = decide(NPS, {"score": 9, "liked": "Ich werde KÜNDIGEN. refund!"}, criteria)
    assert decision.reasons == (CaseReason.KEYWORD,)
    assert decision.matched_keywords == ("kündigen", "Refund")
    assert not decide(NPS, {"score": 9, "liked": "All fine"}, criteria).opens_case


def test_a_chosen_option_opens_a_case() -> None:
    reason = Question(
        key="why",
        type=QuestionType.MULTI_CHOICE,
        required=False,
        options=(Option("price"), Option("speed"), Option("staff")),
    )
    definition = NPS.with_questions((*NPS.questions, reason))
    criteria = CaseCriteria(nps_max=None, options=frozenset({"why:staff"}))
    decision = decide(definition, {"score": 8, "why": ["price", "staff"]}, criteria)
    assert decision.reasons == (CaseReason.OPTION,)
    assert decision.matched_options == ("why:staff",)
    assert not decide(definition, {"score": 8, "why": ["price"]}, criteria).opens_case


def test_priority_from_the_score_and_a_contact_attribute() -> None:
    criteria = CaseCriteria(priority_attribute="tier", priority_values=frozenset({"Gold"}))
    assert decide(NPS, {"score": 2}, criteria).priority == CasePriority.HIGH
    assert decide(NPS, {"score": 5}, criteria).priority == CasePriority.NORMAL
    gold = {"tier": "gold"}
    assert (
        decide(NPS, {"score": 2}, criteria, contact_attributes=gold).priority == CasePriority.URGENT
    )
    assert (
        decide(NPS, {"score": 5}, criteria, contact_attributes=gold).priority == CasePriority.HIGH
    )
    silver = {"tier": "silver"}
    assert (
        decide(NPS, {"score": 5}, criteria, contact_attributes=silver).priority
        == CasePriority.NORMAL
    )
    assert raise_priority(CasePriority.URGENT) == CasePriority.URGENT


@pytest.mark.parametrize(
    ("question_type", "score", "band"),
    [
        (QuestionType.NPS, 0, ScoreBand.VERY_UNHAPPY),
        (QuestionType.NPS, 3, ScoreBand.VERY_UNHAPPY),
        (QuestionType.NPS, 4, ScoreBand.UNHAPPY),
        (QuestionType.NPS, 6, ScoreBand.UNHAPPY),
        (QuestionType.NPS, 8, ScoreBand.NEUTRAL),
        (QuestionType.NPS, 9, ScoreBand.HAPPY),
        (QuestionType.CSAT, 1, ScoreBand.VERY_UNHAPPY),
        (QuestionType.CSAT, 2, ScoreBand.UNHAPPY),
        (QuestionType.CSAT, 3, ScoreBand.NEUTRAL),
        (QuestionType.CSAT, 4, ScoreBand.HAPPY),
        (QuestionType.CES, 2, ScoreBand.VERY_UNHAPPY),
        (QuestionType.CES, 3, ScoreBand.UNHAPPY),
        (QuestionType.CES, 4, ScoreBand.NEUTRAL),
        (QuestionType.CES, 5, ScoreBand.HAPPY),
        (None, None, ScoreBand.NONE),
    ],
)
def test_score_bands(question_type: QuestionType | None, score: int | None, band: str) -> None:
    assert score_band(question_type, score) == band


def test_keywords_are_cleaned() -> None:
    assert clean_keywords(" cancel ,\nRefund\n\ncancel\nmoney  back") == (
        "cancel",
        "Refund",
        "money back",
    )
    with pytest.raises(ValueError, match="too long"):
        clean_keywords("x" * 61)


@given(score=st.integers(min_value=0, max_value=10), threshold=st.integers(0, 10))
def test_an_nps_case_opens_exactly_at_or_below_the_threshold(score: int, threshold: int) -> None:
    decision = decide(NPS, {"score": score}, CaseCriteria(nps_max=threshold))
    assert decision.opens_case == (score <= threshold)
