"""Checking a respondent's submitted answers against the questions they were shown."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from surveyapp.domain.i18n import N_
from surveyapp.domain.scoring import MAX_TEXT_LENGTH, QuestionType
from surveyapp.domain.survey_definition import Question

CONTACT_ANSWERS = ("yes", "no")
_INTEGER = re.compile(r"-?[0-9]{1,6}")


@dataclass(frozen=True)
class CheckedAnswers:
    """Clean values per question key, or a translatable message per question that failed."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        """Whether every answer was acceptable."""
        return not self.errors


def check_answers(
    questions: Sequence[Question], submitted: Mapping[str, Sequence[str]]
) -> CheckedAnswers:
    """Check the raw form values (lists of strings per question key) for ``questions``.

    Empty answers to optional questions are left out; values for questions not in
    ``questions`` are ignored. Ratings become ``int``, multi-choice a sorted ``list``.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in questions:
        raw = [text for text in map(_clean, submitted.get(question.key, ())) if text]
        if not raw:
            if question.required:
                errors[question.key] = N_("Please answer this question.")
            continue
        value, error = _check_one(question, raw)
        if error:
            errors[question.key] = error
        else:
            values[question.key] = value
    return CheckedAnswers(values=values, errors=errors)


def _clean(item: str) -> str:
    # NUL can never be stored (PostgreSQL refuses it in text) and is invisible to the person.
    return item.replace("\x00", "").strip()


def _check_one(question: Question, raw: list[str]) -> tuple[Any, str | None]:
    if question.is_rating:
        return _check_rating(question, raw)
    checker = _CHECKERS[question.type]
    return checker(question, raw)


def _check_single(question: Question, raw: list[str]) -> tuple[Any, str | None]:
    if len(raw) != 1 or raw[0] not in question.option_keys():
        return None, N_("Please choose one of the options.")
    return raw[0], None


def _check_multi(question: Question, raw: list[str]) -> tuple[Any, str | None]:
    if not set(raw) <= set(question.option_keys()):
        return None, N_("Please choose from the options shown.")
    return sorted(set(raw)), None


def _check_contact(_question: Question, raw: list[str]) -> tuple[Any, str | None]:
    if len(raw) != 1 or raw[0] not in CONTACT_ANSWERS:
        return None, N_("Please answer yes or no.")
    return raw[0] == "yes", None


def _check_text(_question: Question, raw: list[str]) -> tuple[Any, str | None]:
    if len(raw) != 1 or len(raw[0]) > MAX_TEXT_LENGTH:
        return None, N_("Please keep your answer under 5,000 characters.")
    return raw[0], None


_CHECKERS: dict[QuestionType, Callable[[Question, list[str]], tuple[Any, str | None]]] = {
    QuestionType.SINGLE_CHOICE: _check_single,
    QuestionType.MULTI_CHOICE: _check_multi,
    QuestionType.CONTACT_REQUEST: _check_contact,
    QuestionType.TEXT: _check_text,
}


def _check_rating(question: Question, raw: list[str]) -> tuple[Any, str | None]:
    scale = question.scale
    score = parse_score(raw[0]) if len(raw) == 1 else None
    if scale is None or score is None or not scale.contains(score):
        return None, N_("Please choose a score on the scale.")
    return score, None


def parse_score(raw: str) -> int | None:
    """The integer in ``raw`` (ASCII digits, optional minus), or ``None``."""
    text = raw.strip()
    return int(text) if _INTEGER.fullmatch(text) else None
