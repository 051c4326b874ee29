"""What the response pages show: rows of the list, labelled answers of one response."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from surveyapp.domain.scoring import NpsCategory, QuestionType
from surveyapp.domain.survey_definition import Question, SurveyDefinition, Wording, from_document
from surveyapp.models import Channel, Response, ResponseStatus, SurveyVersion

EXCERPT_LENGTH = 120

STATUS_LABELS: dict[ResponseStatus, Any] = {
    ResponseStatus.PROVISIONAL: _l("Provisional"),
    ResponseStatus.PARTIAL: _l("Partial"),
    ResponseStatus.COMPLETE: _l("Complete"),
    ResponseStatus.VOIDED: _l("Voided (link scanner)"),
}
STATUS_HINTS: dict[ResponseStatus, Any] = {
    ResponseStatus.PROVISIONAL: _l("The score was chosen but the page was not submitted."),
    ResponseStatus.PARTIAL: _l("The score was submitted, the follow-up questions were not."),
    ResponseStatus.COMPLETE: _l("Every question shown was submitted."),
    ResponseStatus.VOIDED: _l("A link scanner fetched the score link; the score does not count."),
}


@dataclass(frozen=True)
class ScoreBadge:
    """A score band as text (never colour alone) and the Bootstrap badge class colouring it."""

    label: Any
    css: str


GOOD = "text-bg-success"
MIDDLE = "text-bg-warning"
BAD = "text-bg-danger"
NPS_BADGES = {
    NpsCategory.PROMOTER: ScoreBadge(_l("Promoter"), GOOD),
    NpsCategory.PASSIVE: ScoreBadge(_l("Passive"), MIDDLE),
    NpsCategory.DETRACTOR: ScoreBadge(_l("Detractor"), BAD),
}
CSAT_BADGES = {True: ScoreBadge(_l("Satisfied"), GOOD), False: ScoreBadge(_l("Dissatisfied"), BAD)}
CES_BADGES = {True: ScoreBadge(_l("Easy"), GOOD), False: ScoreBadge(_l("Not easy"), BAD)}
METRIC_NAMES = {"nps": _l("NPS category"), "csat": _l("CSAT"), "ces": _l("CES")}


@dataclass(frozen=True)
class ResponseRow:
    """One line of the response list."""

    id: int
    started_at: datetime
    survey_name: str
    version_number: int
    channel: Channel
    locale: str
    score: int | None
    badge: ScoreBadge | None
    status: ResponseStatus
    excerpt: str


@dataclass(frozen=True)
class AnswerLine:
    """One answered question, worded as the respondent saw it."""

    prompt: str
    value: Any
    is_text: bool = False
    scale_ends: str = ""


@dataclass(frozen=True)
class ResponseDetail:
    """Everything the detail page shows beyond the response's own columns."""

    answers: list[AnswerLine]
    badge: ScoreBadge | None
    metric: Any
    survey_name: str
    version_number: int
    is_anonymous: bool


def language_name(code: str) -> str:
    """A locale's name in the staff member's language ("Deutsch" or "German"); else the code."""
    try:
        name = Locale.parse(code).get_display_name(str(get_locale() or "en")) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def score_badge(response: Response) -> ScoreBadge | None:
    """The band of the response's score, from the derived fields stored with it."""
    if response.nps_category is not None:
        return NPS_BADGES[response.nps_category]
    if response.csat_satisfied is not None:
        return CSAT_BADGES[response.csat_satisfied]
    if response.ces_easy is not None:
        return CES_BADGES[response.ces_easy]
    return None


def response_rows(items: Iterable[Response], survey_names: Mapping[int, str]) -> list[ResponseRow]:
    """The list's rows; reads only loaded data (versions come with the page), no queries."""
    definitions: dict[int, SurveyDefinition] = {}
    rows = []
    for response in items:
        version = response.survey_version
        if version.id not in definitions:
            definitions[version.id] = from_document(version.definition)
        rows.append(
            ResponseRow(
                id=response.id,
                started_at=response.started_at,
                survey_name=survey_names.get(version.survey_id, ""),
                version_number=version.number,
                channel=response.channel,
                locale=response.locale,
                score=response.score,
                badge=score_badge(response),
                status=response.status,
                excerpt=_excerpt(response.answers, definitions[version.id]),
            )
        )
    return rows


def response_detail(response: Response, version: SurveyVersion) -> ResponseDetail:
    """Answers labelled in the response's locale, the score band and where it came from."""
    definition = from_document(version.definition)
    answers = [
        _answer_line(question, response.answers[question.key], response.locale, definition)
        for question in definition.questions
        if question.key in response.answers
    ]
    primary = definition.primary_rating
    return ResponseDetail(
        answers=answers,
        badge=score_badge(response),
        metric=METRIC_NAMES.get(primary.type) if primary is not None else None,
        survey_name=version.survey.name,
        version_number=version.number,
        is_anonymous=response.invitation_id is None,
    )


def _excerpt(answers: Mapping[str, Any], definition: SurveyDefinition) -> str:
    texts = [
        str(answers[q.key]).strip()
        for q in definition.questions
        if q.type == QuestionType.TEXT and answers.get(q.key)
    ]
    comment = " / ".join(" ".join(text.split()) for text in texts)
    if len(comment) <= EXCERPT_LENGTH:
        return comment
    return comment[:EXCERPT_LENGTH].rstrip() + "…"


def _wording(question: Question, locale: str, definition: SurveyDefinition) -> Wording:
    return (
        question.wording.get(locale)
        or question.wording.get(definition.default_locale)
        or Wording(prompt=question.key)
    )


def _answer_line(
    question: Question, value: Any, locale: str, definition: SurveyDefinition
) -> AnswerLine:
    wording = _wording(question, locale, definition)
    prompt = wording.prompt or question.key
    if question.is_rating:
        ends = " · ".join(end for end in (wording.low, wording.high) if end)
        return AnswerLine(prompt, value, scale_ends=ends)
    if question.type == QuestionType.CONTACT_REQUEST:
        return AnswerLine(prompt, _l("Yes") if value is True else _l("No"))
    if question.type in {QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE}:
        chosen = value if isinstance(value, list) else [value]
        labels = {
            o.key: o.labels.get(locale) or o.labels.get(definition.default_locale) or o.key
            for o in question.options
        }
        return AnswerLine(prompt, ", ".join(labels.get(key, str(key)) for key in chosen))
    return AnswerLine(prompt, str(value), is_text=True)
