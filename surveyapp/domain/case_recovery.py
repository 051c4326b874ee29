"""Recovery rules of the follow-up loop: goodwill, playbook triggers, praise and recovery.

Pure rules, no database: what counts as praise (a promoter), when a re-survey shows the
customer recovered, and when goodwill needs a manager's approval or breaks a team's budget.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from surveyapp.domain.case_rules import ScoreBand
from surveyapp.domain.scoring import QuestionType


class GoodwillKind(StrEnum):
    """What a customer was given to make up for a bad experience."""

    REFUND = "refund"
    VOUCHER = "voucher"
    GIFT = "gift"
    OTHER = "other"


class GoodwillStatus(StrEnum):
    """Whether a goodwill entry counts: approved at once, or waiting for a manager."""

    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"


class PlaybookTrigger(StrEnum):
    """What makes a playbook apply to a case."""

    ROOT_CAUSE = "root_cause"
    SCORE_BAND = "score_band"


# ISO 4217 codes offered for goodwill (the currencies our customers pay in).
CURRENCIES: tuple[str, ...] = (
    "EUR",
    "USD",
    "GBP",
    "CHF",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "CAD",
    "AUD",
    "JPY",
)
MAX_AMOUNT = Decimal("1000000.00")
CENT = Decimal("0.01")

UNHAPPY_BANDS: frozenset[ScoreBand] = frozenset({ScoreBand.VERY_UNHAPPY, ScoreBand.UNHAPPY})

# Praise needs the top of the scale, not just "satisfied": NPS 9-10 (promoters), CSAT 5
# ("very satisfied"; 4 is merely satisfied), CES 6-7 ("agree" or "strongly agree" that it was easy).
PROMOTER_MINIMUM: dict[QuestionType, int] = {
    QuestionType.NPS: 9,
    QuestionType.CSAT: 5,
    QuestionType.CES: 6,
}


def is_promoter(question_type: QuestionType | None, score: int | None) -> bool:
    """Whether ``score`` on ``question_type``'s scale is high enough to count as praise."""
    if question_type is None or score is None or question_type not in PROMOTER_MINIMUM:
        return False
    return score >= PROMOTER_MINIMUM[question_type]


def is_recovered(band: ScoreBand) -> bool | None:
    """Whether a re-survey answer in ``band`` left the unhappy band (``None``: no rating)."""
    if band == ScoreBand.NONE:
        return None
    return band not in UNHAPPY_BANDS


def parse_amount(raw: str) -> Decimal | None:
    """``raw`` as a positive amount with at most two decimal places, else ``None``.

    Accepts a decimal comma ("12,50") as German users type it.
    """
    text = raw.strip().replace(" ", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > MAX_AMOUNT:
        return None
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        return None
    return value.quantize(CENT)


def needs_approval(amount: Decimal, threshold: Decimal | None) -> bool:
    """Whether goodwill of ``amount`` waits for a manager (above the team's threshold)."""
    return threshold is not None and amount > threshold


def exceeds_budget(spent: Decimal, amount: Decimal, budget: Decimal | None) -> bool:
    """Whether adding ``amount`` to this month's ``spent`` goes past the monthly ``budget``."""
    return budget is not None and spent + amount > budget
