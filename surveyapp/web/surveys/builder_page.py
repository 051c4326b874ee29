"""What the builder and list pages show: question rows, translation status, publish problems."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext

from surveyapp.domain.survey_definition import (
    Problem,
    Question,
    SurveyDefinition,
    find_problems,
    from_document,
)
from surveyapp.models import Survey, SurveyVersion
from surveyapp.services import surveys
from surveyapp.web.surveys.labels import QUESTION_TYPE_LABELS, locale_name, scale_text


@dataclass(frozen=True)
class LocaleStatus:
    """Whether a question is fully worded in one language."""

    code: str
    name: str
    is_complete: bool


@dataclass(frozen=True)
class QuestionRow:
    """One question as the builder lists it."""

    position: int
    key: str
    type_label: Any
    required: bool
    band_text: str
    prompt: str
    statuses: list[LocaleStatus]
    is_first: bool
    is_last: bool


@dataclass(frozen=True)
class ProblemLine:
    """One reason the draft cannot be published, named for people."""

    question: str
    question_key: str | None
    text: str


@dataclass(frozen=True)
class VersionRow:
    """One published version."""

    number: int
    published_at: datetime
    published_by: str


@dataclass(frozen=True)
class BuilderPage:
    """Everything the builder page shows about a survey's draft and versions."""

    definition: SurveyDefinition
    rows: list[QuestionRow]
    problems: list[ProblemLine]
    versions: list[VersionRow]
    published_locales: tuple[str, ...]


def builder_page(survey: Survey) -> BuilderPage:
    """The builder's view of ``survey``: its draft, problems and published versions."""
    definition = surveys.draft_of(survey)
    problems = find_problems(definition)
    versions = sorted(survey.versions, key=lambda version: version.number, reverse=True)
    return BuilderPage(
        definition=definition,
        rows=question_rows(definition, problems),
        problems=problem_lines(definition, problems),
        versions=[_version_row(version) for version in versions],
        published_locales=published_locales(survey),
    )


def newest_version(survey: Survey) -> SurveyVersion | None:
    """The survey's newest published version, if any."""
    return max(survey.versions, key=lambda version: version.number, default=None)


def published_locales(survey: Survey) -> tuple[str, ...]:
    """The languages of the newest version: what a test link can be opened in."""
    newest = newest_version(survey)
    return from_document(newest.definition).locales if newest else ()


def question_rows(definition: SurveyDefinition, problems: Sequence[Problem]) -> list[QuestionRow]:
    """Every question in order, with its wording in the default language and per-language status."""
    incomplete = {(p.question_key, p.locale) for p in problems if p.question_key and p.locale}
    last = len(definition.questions)
    return [
        QuestionRow(
            position=position,
            key=question.key,
            type_label=QUESTION_TYPE_LABELS[question.type],
            required=question.required,
            band_text=band_text(definition, question),
            prompt=_prompt(question, definition.default_locale),
            statuses=[
                LocaleStatus(code, locale_name(code), (question.key, code) not in incomplete)
                for code in definition.locales
            ],
            is_first=position == 1,
            is_last=position == last,
        )
        for position, question in enumerate(definition.questions, start=1)
    ]


def band_text(definition: SurveyDefinition, question: Question) -> str:
    """The band as staff read it, such as "Only for scores 0-6 (NPS 0-10)"; empty without one."""
    if question.band is None:
        return ""
    primary = definition.primary_rating
    scale = f" ({scale_text(primary.type)})" if primary else ""
    band: str = gettext(
        "Only for scores %(minimum)s-%(maximum)s",
        minimum=question.band.minimum,
        maximum=question.band.maximum,
    )
    return band + scale


def problem_lines(definition: SurveyDefinition, problems: Sequence[Problem]) -> list[ProblemLine]:
    """Each problem with its question ("Question 2 (q2)") and language ("German: ...")."""
    positions = {question.key: index for index, question in enumerate(definition.questions, 1)}
    lines = []
    for problem in problems:
        question = ""
        if problem.question_key in positions:
            question = gettext(
                "Question %(position)s (%(key)s)",
                position=positions[problem.question_key],
                key=problem.question_key,
            )
        text = gettext(problem.message)
        if problem.locale:
            text = f"{locale_name(problem.locale)}: {text}"
        lines.append(ProblemLine(question, problem.question_key, text))
    return lines


def _prompt(question: Question, locale: str) -> str:
    wording = question.wording.get(locale)
    return wording.prompt if wording else ""


def _version_row(version: SurveyVersion) -> VersionRow:
    publisher = version.published_by.name if version.published_by else ""
    return VersionRow(version.number, version.published_at, publisher)
