"""Survey documents: templates, publish problems, steps and answer checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from surveyapp.domain.answers import check_answers
from surveyapp.domain.link_scanning import LinkFetch, looks_like_scanner
from surveyapp.domain.scoring import QuestionType
from surveyapp.domain.survey_definition import (
    Band,
    Question,
    SurveyDefinition,
    Wording,
    find_problems,
    from_document,
    to_document,
)
from surveyapp.domain.survey_templates import TEMPLATES, nps_template


def test_templates_are_complete_in_english_and_german() -> None:
    for name, template in TEMPLATES.items():
        definition = template()
        assert find_problems(definition) == [], name
        assert definition.locales == ("en", "de")


def test_documents_round_trip_and_state_the_scale_direction() -> None:
    definition = nps_template()
    document = to_document(definition)
    assert from_document(document) == definition
    assert document["questions"][0]["scale"] == {"min": 0, "max": 10, "good_end": "high"}


def test_missing_translation_is_reported_per_question_and_locale() -> None:
    definition = nps_template()
    rating = definition.questions[0]
    broken = replace(rating, wording={"en": rating.wording["en"]})
    problems = find_problems(definition.with_questions((broken, *definition.questions[1:])))
    assert [(p.question_key, p.locale, p.message) for p in problems] == [
        ("score", "de", "The question text is missing."),
        ("score", "de", "The labels of the scale ends are missing."),
    ]


def test_bands_need_a_rating_before_them_and_must_fit_its_scale() -> None:
    text = Question("why", QuestionType.TEXT, wording={"en": Wording("Why?")}, band=Band(0, 6))
    rating = Question("score", QuestionType.CSAT, wording={"en": Wording("How?", "bad", "good")})
    base = SurveyDefinition(locales=("en",), thank_you={"en": "Thanks"})
    before = find_problems(base.with_questions((text, rating)))
    assert [p.message for p in before] == ["A score band needs a rating question before it."]
    outside = find_problems(base.with_questions((rating, text)))  # CSAT is 1-5; band says 0-6
    assert [p.message for p in outside] == ["The score band lies outside the rating scale."]


def test_follow_ups_depend_on_the_score() -> None:
    definition = nps_template()
    assert [q.key for q in definition.first_step()] == ["score"]
    assert [q.key for q in definition.second_step(3)] == ["improve", "contact"]
    assert [q.key for q in definition.second_step(9)] == ["liked"]


@given(st.text(max_size=20))
def test_rating_answers_accept_only_scale_points(raw: str) -> None:
    rating = nps_template().questions[0]
    checked = check_answers([rating], {"score": [raw]})
    text = raw.strip()
    valid = text.isascii() and text.isdigit() and len(text) <= 6 and 0 <= int(text) <= 10
    assert checked.is_valid is valid


def test_answer_checks_cover_required_choices_and_length() -> None:
    options = Question(
        "channel",
        QuestionType.SINGLE_CHOICE,
        options=(),
    )
    definition = nps_template()
    text = definition.question("improve")
    assert check_answers([text], {"improve": ["x" * 5000]}).is_valid
    assert not check_answers([text], {"improve": ["x" * 5001]}).is_valid
    assert check_answers([definition.questions[0]], {}).errors == {
        "score": "Please answer this question."
    }
    assert check_answers([options], {"channel": ["phone"]}).errors == {
        "channel": "Please choose one of the options."
    }
    contact = definition.question("contact")
    assert check_answers([contact], {"contact": ["yes"]}).values == {"contact": True}
    assert not check_answers([contact], {"contact": ["maybe"]}).is_valid


def test_scanner_pattern_is_two_scores_within_seconds_or_the_trap() -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    person = [LinkFetch(9, start), LinkFetch(9, start + timedelta(seconds=5))]
    assert not looks_like_scanner(person)
    scanner = [LinkFetch(0, start), LinkFetch(1, start + timedelta(seconds=1))]
    assert looks_like_scanner(scanner)
    change_of_mind = [LinkFetch(3, start), LinkFetch(8, start + timedelta(minutes=5))]
    assert not looks_like_scanner(change_of_mind)
    assert looks_like_scanner([LinkFetch(None, start, is_trap=True)])
