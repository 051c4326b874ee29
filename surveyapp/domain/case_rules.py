"""When an answer opens a follow-up case, how urgent it is, and which score band it falls in.

Pure rules over a survey's definition and one response's answers. A CX owner edits the
criteria per survey or touchpoint (``CaseCriteria``); without any, ``DEFAULT_CRITERIA`` holds:
NPS 0-6, CSAT 1-2 and CES 1-3 open a case. A "please contact me" answer opens one whatever
the criteria say, even when they are switched off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from surveyapp.domain.scoring import CHOICE_TYPES, QuestionType
from surveyapp.domain.survey_definition import SurveyDefinition

# How long a keyword may be, and how many a rule may list.
MAX_KEYWORD_LENGTH = 60
MAX_KEYWORDS = 50


class CaseReason(StrEnum):
    """Why a case was opened; a case may have several."""

    SCORE = "score"
    OPTION = "option"
    KEYWORD = "keyword"
    CONTACT_REQUEST = "contact_request"


class CasePriority(StrEnum):
    """How urgent a case is, lowest first."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_ORDER: tuple[CasePriority, ...] = tuple(CasePriority)


class ScoreBand(StrEnum):
    """Where a response's rating lies, for the inbox filter (see ``score_band``)."""

    VERY_UNHAPPY = "very_unhappy"
    UNHAPPY = "unhappy"
    NEUTRAL = "neutral"
    HAPPY = "happy"
    NONE = "none"


# The highest score of each band per scale; scores above the last bound are happy.
# NPS: 0-3 very unhappy, 4-6 unhappy (detractors), 7-8 neutral (passives), 9-10 happy.
# CSAT: 1 very unhappy, 2 unhappy, 3 neutral, 4-5 happy (satisfied).
# CES 2.0: 1-2 very unhappy, 3 unhappy, 4 neutral, 5-7 happy (easy).
_BAND_BOUNDS: dict[QuestionType, tuple[int, int, int]] = {
    QuestionType.NPS: (3, 6, 8),
    QuestionType.CSAT: (1, 2, 3),
    QuestionType.CES: (2, 3, 4),
}


@dataclass(frozen=True)
class CaseCriteria:
    """What opens a case for one survey or touchpoint, and what raises its priority.

    ``*_max``: a rating at or below opens a case (``None``: ratings of that scale never do).
    ``options``: ``"question_key:option_key"`` pairs whose choice opens a case.
    ``keywords``: any of them in a text answer (case-insensitive, anywhere) opens a case.
    ``priority_attribute``/``priority_values``: a contact whose attribute has one of the
    values (compared as text, case-insensitive) gets a priority one step higher.
    ``is_active``: off, only a contact request opens a case.
    """

    nps_max: int | None = 6
    csat_max: int | None = 2
    ces_max: int | None = 3
    options: frozenset[str] = frozenset()
    keywords: tuple[str, ...] = ()
    priority_attribute: str | None = None
    priority_values: frozenset[str] = field(default_factory=frozenset)
    is_active: bool = True

    def threshold(self, question_type: QuestionType) -> int | None:
        """The highest score of ``question_type`` that opens a case, if any."""
        return {
            QuestionType.NPS: self.nps_max,
            QuestionType.CSAT: self.csat_max,
            QuestionType.CES: self.ces_max,
        }.get(question_type)


DEFAULT_CRITERIA = CaseCriteria()


@dataclass(frozen=True)
class CaseDecision:
    """The verdict on one response: the reasons for a case (none: no case) and its priority."""

    reasons: tuple[CaseReason, ...]
    priority: CasePriority
    band: ScoreBand
    score: int | None = None
    matched_keywords: tuple[str, ...] = ()
    matched_options: tuple[str, ...] = ()

    @property
    def opens_case(self) -> bool:
        """Whether the response opens a case."""
        return bool(self.reasons)


def score_band(question_type: QuestionType | None, score: int | None) -> ScoreBand:
    """The band of ``score`` on ``question_type``'s scale (``NONE`` without a rating)."""
    if question_type is None or score is None or question_type not in _BAND_BOUNDS:
        return ScoreBand.NONE
    very, unhappy, neutral = _BAND_BOUNDS[question_type]
    if score <= very:
        return ScoreBand.VERY_UNHAPPY
    if score <= unhappy:
        return ScoreBand.UNHAPPY
    if score <= neutral:
        return ScoreBand.NEUTRAL
    return ScoreBand.HAPPY


def decide(
    definition: SurveyDefinition,
    answers: Mapping[str, Any],
    criteria: CaseCriteria,
    *,
    contact_attributes: Mapping[str, Any] | None = None,
) -> CaseDecision:
    """Whether ``answers`` (stored values per question key) open a case, and its priority.

    Priority: a very unhappy score is ``high``, an unhappy one or a contact request
    ``normal``, anything else ``low``; a contact whose ``priority_attribute`` matches raises
    it one step (``high`` becomes ``urgent``).
    """
    primary = definition.primary_rating
    raw_score = answers.get(primary.key) if primary is not None else None
    score = raw_score if isinstance(raw_score, int) and not isinstance(raw_score, bool) else None
    band = score_band(primary.type if primary is not None else None, score)
    reasons: list[CaseReason] = []
    options: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    if criteria.is_active:
        threshold = criteria.threshold(primary.type) if primary is not None else None
        if score is not None and threshold is not None and score <= threshold:
            reasons.append(CaseReason.SCORE)
        options = _chosen_options(definition, answers, criteria.options)
        if options:
            reasons.append(CaseReason.OPTION)
        keywords = _found_keywords(definition, answers, criteria.keywords)
        if keywords:
            reasons.append(CaseReason.KEYWORD)
    contact_requested = _contact_requested(definition, answers)
    if contact_requested:
        reasons.append(CaseReason.CONTACT_REQUEST)
    priority = _priority(band, contact_requested)
    if _is_priority_contact(criteria, contact_attributes or {}):
        priority = raise_priority(priority)
    return CaseDecision(tuple(reasons), priority, band, score, keywords, options)


def raise_priority(priority: CasePriority) -> CasePriority:
    """One step more urgent (``urgent`` stays)."""
    index = PRIORITY_ORDER.index(priority)
    return PRIORITY_ORDER[min(index + 1, len(PRIORITY_ORDER) - 1)]


def clean_keywords(raw: str) -> tuple[str, ...]:
    """Keywords from one per line (or comma-separated), trimmed, without empty or repeated ones.

    Raises ``ValueError`` for a keyword over ``MAX_KEYWORD_LENGTH`` characters or more than
    ``MAX_KEYWORDS`` keywords.
    """
    seen: dict[str, str] = {}
    for part in raw.replace(",", "\n").splitlines():
        keyword = " ".join(part.split())
        if not keyword:
            continue
        if len(keyword) > MAX_KEYWORD_LENGTH:
            raise ValueError("keyword too long")
        seen.setdefault(keyword.casefold(), keyword)
    if len(seen) > MAX_KEYWORDS:
        raise ValueError("too many keywords")
    return tuple(seen.values())


def _priority(band: ScoreBand, contact_requested: bool) -> CasePriority:
    if band == ScoreBand.VERY_UNHAPPY:
        return CasePriority.HIGH
    if band == ScoreBand.UNHAPPY or contact_requested:
        return CasePriority.NORMAL
    return CasePriority.LOW


def _is_priority_contact(criteria: CaseCriteria, attributes: Mapping[str, Any]) -> bool:
    if not criteria.priority_attribute or not criteria.priority_values:
        return False
    value = attributes.get(criteria.priority_attribute)
    if value is None or isinstance(value, dict | list):
        return False
    wanted = {item.casefold() for item in criteria.priority_values}
    return str(value).casefold() in wanted


def _chosen_options(
    definition: SurveyDefinition, answers: Mapping[str, Any], wanted: frozenset[str]
) -> tuple[str, ...]:
    if not wanted:
        return ()
    chosen: list[str] = []
    for question in definition.questions:
        if question.type not in CHOICE_TYPES or question.key not in answers:
            continue
        value = answers[question.key]
        picked = value if isinstance(value, list) else [value]
        chosen += [f"{question.key}:{key}" for key in picked if f"{question.key}:{key}" in wanted]
    return tuple(chosen)


def _found_keywords(
    definition: SurveyDefinition, answers: Mapping[str, Any], keywords: tuple[str, ...]
) -> tuple[str, ...]:
    if not keywords:
        return ()
    texts = [
        answers[q.key].casefold()
        for q in definition.questions
        if q.type == QuestionType.TEXT and isinstance(answers.get(q.key), str)
    ]
    if not texts:
        return ()
    return tuple(k for k in keywords if any(k.casefold() in text for text in texts))


def _contact_requested(definition: SurveyDefinition, answers: Mapping[str, Any]) -> bool:
    return any(
        q.type == QuestionType.CONTACT_REQUEST and answers.get(q.key) is True
        for q in definition.questions
    )
