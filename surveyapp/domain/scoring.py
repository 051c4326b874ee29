"""Rating scales and the scores derived from them (NPS, CSAT, CES 2.0), as DESIGN.md §6 defines."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class QuestionType(StrEnum):
    """The kinds of question a survey can ask."""

    NPS = "nps"
    CSAT = "csat"
    CES = "ces"
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    TEXT = "text"
    CONTACT_REQUEST = "contact_request"


class NpsCategory(StrEnum):
    """Where one NPS answer falls."""

    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"


@dataclass(frozen=True)
class Scale:
    """A rating scale; ``good_end`` names the good end, so no scale is read backwards."""

    minimum: int
    maximum: int
    good_end: str = "high"

    def contains(self, score: int) -> bool:
        """Whether ``score`` is a point of this scale."""
        return self.minimum <= score <= self.maximum

    @property
    def points(self) -> range:
        """Every point of the scale, low to high."""
        return range(self.minimum, self.maximum + 1)


# CES 2.0: "... made it easy for me to handle my issue", 1 = strongly disagree, 7 = strongly agree.
SCALES: dict[QuestionType, Scale] = {
    QuestionType.NPS: Scale(0, 10),
    QuestionType.CSAT: Scale(1, 5),
    QuestionType.CES: Scale(1, 7),
}
RATING_TYPES = frozenset(SCALES)
CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE})
MAX_TEXT_LENGTH = 5000


@dataclass(frozen=True)
class DerivedScores:
    """The fields stored next to a response's rating for reporting."""

    nps_category: NpsCategory | None = None
    csat_satisfied: bool | None = None
    ces_easy: bool | None = None

    @property
    def is_unhappy(self) -> bool:
        """Detractor, dissatisfied (1-3) or not easy (1-4): the band follow-up cases care about."""
        return (
            self.nps_category == NpsCategory.DETRACTOR
            or self.csat_satisfied is False
            or self.ces_easy is False
        )


def nps_category(score: int) -> NpsCategory:
    """Promoter 9-10, passive 7-8, detractor 0-6; raises ``ValueError`` outside 0-10."""
    _check(QuestionType.NPS, score)
    if score >= 9:  # noqa: PLR2004 -- the NPS definition
        return NpsCategory.PROMOTER
    if score >= 7:  # noqa: PLR2004
        return NpsCategory.PASSIVE
    return NpsCategory.DETRACTOR


def csat_satisfied(score: int) -> bool:
    """CSAT counts 4 and 5 as satisfied; raises ``ValueError`` outside 1-5."""
    _check(QuestionType.CSAT, score)
    return score >= 4  # noqa: PLR2004 -- the CSAT definition


def ces_easy(score: int) -> bool:
    """CES 2.0 counts 5-7 (agree) as easy; raises ``ValueError`` outside 1-7."""
    _check(QuestionType.CES, score)
    return score >= 5  # noqa: PLR2004 -- the CES 2.0 definition


def derive_scores(question_type: QuestionType, score: int) -> DerivedScores:
    """The derived fields for a rating ``score`` on a question of ``question_type``."""
    if question_type == QuestionType.NPS:
        return DerivedScores(nps_category=nps_category(score))
    if question_type == QuestionType.CSAT:
        return DerivedScores(csat_satisfied=csat_satisfied(score))
    if question_type == QuestionType.CES:
        return DerivedScores(ces_easy=ces_easy(score))
    raise ValueError(f"{question_type} is not a rating question")


def _check(question_type: QuestionType, score: int) -> None:
    scale = SCALES[question_type]
    if not scale.contains(score):
        raise ValueError(f"{question_type} score {score} outside {scale.minimum}-{scale.maximum}")
