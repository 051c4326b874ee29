"""A survey's content as one immutable document: questions, wording per locale, score bands.

Drafts are edited as this document; publishing freezes a copy into a version, so every response
points to exactly the wording its respondent saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from surveyapp.domain.i18n import N_
from surveyapp.domain.scoring import CHOICE_TYPES, RATING_TYPES, SCALES, QuestionType, Scale

DEFAULT_EDIT_WINDOW_MINUTES = 24 * 60


@dataclass(frozen=True)
class Band:
    """Show a question only when the first rating is between ``minimum`` and ``maximum``."""

    minimum: int
    maximum: int

    def contains(self, score: int | None) -> bool:
        """Whether ``score`` falls in the band (no score: never)."""
        return score is not None and self.minimum <= score <= self.maximum


@dataclass(frozen=True)
class Wording:
    """A question's text in one locale; ``low``/``high`` label the ends of a rating scale."""

    prompt: str = ""
    low: str = ""
    high: str = ""


@dataclass(frozen=True)
class Option:
    """One choice of a single- or multi-choice question, labelled per locale."""

    key: str
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    """One question of a survey."""

    key: str
    type: QuestionType
    required: bool = True
    wording: dict[str, Wording] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    band: Band | None = None

    @property
    def is_rating(self) -> bool:
        """NPS, CSAT and CES questions are ratings."""
        return self.type in RATING_TYPES

    @property
    def scale(self) -> Scale | None:
        """The rating scale, with its good end; ``None`` for other questions."""
        return SCALES.get(self.type)

    def option_keys(self) -> list[str]:
        """The keys of the options, in order."""
        return [option.key for option in self.options]


@dataclass(frozen=True)
class Problem:
    """Something that must be fixed before publishing; ``message`` is a translatable msgid."""

    message: str
    question_key: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class SurveyDefinition:
    """Everything a respondent sees, in every offered locale."""

    locales: tuple[str, ...] = ("en", "de")
    default_locale: str = "en"
    intro: dict[str, str] = field(default_factory=dict)
    thank_you: dict[str, str] = field(default_factory=dict)
    questions: tuple[Question, ...] = ()
    edit_window_minutes: int = DEFAULT_EDIT_WINDOW_MINUTES

    def question(self, key: str) -> Question:
        """The question with ``key``; raises ``KeyError`` when there is none."""
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)

    @property
    def primary_rating(self) -> Question | None:
        """The first rating question: the survey's score, and what bands refer to."""
        return next((q for q in self.questions if q.is_rating), None)

    def first_step(self) -> tuple[Question, ...]:
        """The questions up to and including the primary rating (all, without a rating)."""
        primary = self.primary_rating
        if primary is None:
            return self.questions
        index = self.questions.index(primary)
        return self.questions[: index + 1]

    def second_step(self, score: int | None) -> tuple[Question, ...]:
        """The questions after the primary rating that apply to ``score``."""
        rest = self.questions[len(self.first_step()) :]
        return tuple(q for q in rest if q.band is None or q.band.contains(score))

    def best_locale(self, *wanted: str | None) -> str:
        """The first of ``wanted`` this survey offers, else its default locale."""
        for locale in wanted:
            if locale and locale in self.locales:
                return locale
            if locale and locale.split("-")[0] in self.locales:
                return locale.split("-")[0]
        return self.default_locale

    def next_question_key(self) -> str:
        """A key no question of this survey uses yet."""
        used = {question.key for question in self.questions}
        number = len(self.questions) + 1
        while f"q{number}" in used:
            number += 1
        return f"q{number}"

    def with_questions(self, questions: tuple[Question, ...]) -> SurveyDefinition:
        """A copy with ``questions`` instead of the current ones."""
        return replace(self, questions=questions)


def find_problems(definition: SurveyDefinition) -> list[Problem]:
    """Everything that keeps ``definition`` from being published, missing translations first."""
    problems = _missing_translations(definition)
    if not definition.questions:
        problems.append(Problem(N_("Add at least one question.")))
    if definition.default_locale not in definition.locales:
        problems.append(Problem(N_("The default language must be one of the survey's languages.")))
    contact_requests = [q for q in definition.questions if q.type == QuestionType.CONTACT_REQUEST]
    if len(contact_requests) > 1:
        problems.append(Problem(N_("Ask at most one contact request question.")))
    problems += _band_problems(definition)
    for question in definition.questions:
        if question.type in CHOICE_TYPES and len(question.options) < 2:  # noqa: PLR2004
            problems.append(
                Problem(N_("Give a choice question at least two options."), question.key)
            )
    return problems


def _missing_translations(definition: SurveyDefinition) -> list[Problem]:
    problems: list[Problem] = []
    for locale in definition.locales:
        if not definition.thank_you.get(locale, "").strip():
            problems.append(Problem(N_("The thank-you text is missing."), locale=locale))
        if any(definition.intro.values()) and not definition.intro.get(locale, "").strip():
            problems.append(Problem(N_("The introduction is missing."), locale=locale))
        for question in definition.questions:
            problems += _question_translation_problems(question, locale)
    return problems


def _question_translation_problems(question: Question, locale: str) -> list[Problem]:
    wording = question.wording.get(locale, Wording())
    problems = []
    if not wording.prompt.strip():
        problems.append(Problem(N_("The question text is missing."), question.key, locale))
    if question.is_rating and not (wording.low.strip() and wording.high.strip()):
        problems.append(
            Problem(N_("The labels of the scale ends are missing."), question.key, locale)
        )
    if any(not option.labels.get(locale, "").strip() for option in question.options):
        problems.append(Problem(N_("An option label is missing."), question.key, locale))
    return problems


def _band_problems(definition: SurveyDefinition) -> list[Problem]:
    primary = definition.primary_rating
    problems = []
    for index, question in enumerate(definition.questions):
        if question.band is None:
            continue
        if primary is None or definition.questions.index(primary) >= index:
            problems.append(
                Problem(N_("A score band needs a rating question before it."), question.key)
            )
            continue
        scale = primary.scale
        band = question.band
        if scale is None or not (scale.contains(band.minimum) and scale.contains(band.maximum)):
            problems.append(
                Problem(N_("The score band lies outside the rating scale."), question.key)
            )
        elif band.minimum > band.maximum:
            problems.append(Problem(N_("The score band starts above its end."), question.key))
    return problems


# --- the stored form (JSON) -----------------------------------------------------------------


def to_document(definition: SurveyDefinition) -> dict[str, Any]:
    """The JSON-ready form stored in drafts and versions (rating scales written out)."""
    return {
        "locales": list(definition.locales),
        "default_locale": definition.default_locale,
        "intro": dict(definition.intro),
        "thank_you": dict(definition.thank_you),
        "edit_window_minutes": definition.edit_window_minutes,
        "questions": [_question_document(question) for question in definition.questions],
    }


def _question_document(question: Question) -> dict[str, Any]:
    document: dict[str, Any] = {
        "key": question.key,
        "type": question.type.value,
        "required": question.required,
        "wording": {
            locale: {"prompt": w.prompt, "low": w.low, "high": w.high}
            for locale, w in question.wording.items()
        },
        "options": [{"key": o.key, "labels": dict(o.labels)} for o in question.options],
        "band": None
        if question.band is None
        else {"min": question.band.minimum, "max": question.band.maximum},
    }
    if question.scale is not None:
        scale = question.scale
        document["scale"] = {"min": scale.minimum, "max": scale.maximum, "good_end": scale.good_end}
    return document


def from_document(document: dict[str, Any]) -> SurveyDefinition:
    """Read a stored document back (the inverse of ``to_document``)."""
    return SurveyDefinition(
        locales=tuple(document.get("locales", ("en",))),
        default_locale=document.get("default_locale", "en"),
        intro=dict(document.get("intro", {})),
        thank_you=dict(document.get("thank_you", {})),
        edit_window_minutes=int(document.get("edit_window_minutes", DEFAULT_EDIT_WINDOW_MINUTES)),
        questions=tuple(_question_from(q) for q in document.get("questions", ())),
    )


def _question_from(document: dict[str, Any]) -> Question:
    band = document.get("band")
    return Question(
        key=document["key"],
        type=QuestionType(document["type"]),
        required=bool(document.get("required", True)),
        wording={
            locale: Wording(w.get("prompt", ""), w.get("low", ""), w.get("high", ""))
            for locale, w in document.get("wording", {}).items()
        },
        options=tuple(
            Option(o["key"], dict(o.get("labels", {}))) for o in document.get("options", ())
        ),
        band=None if band is None else Band(int(band["min"]), int(band["max"])),
    )
