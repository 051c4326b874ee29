"""Retention rules: how long each kind of personal data is kept, and when a row is due.

A period is a number of days or ``None`` (keep forever). A row goes once it is *older* than
its period: its timestamp lies strictly before ``now - days`` (the cut-off).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from surveyapp.domain.i18n import N_

MAX_DAYS = 3650  # ten years; "keep forever" is the way to keep longer


class RetentionKind(StrEnum):
    """The kinds of data retention acts on, in the order the settings page lists them."""

    FREE_TEXT = "free_text"  # text answers of responses (the scores stay)
    INACTIVE_CONTACTS = "inactive_contacts"  # contacts without activity: erased
    OUTBOX_BODIES = "outbox_bodies"  # sent or failed messages: body and recipient cleared
    AUDIT_LOG = "audit_log"  # audit events: deleted


@dataclass(frozen=True)
class KindRule:
    """A kind's default period (``None``: keep forever) and the shortest period allowed."""

    default_days: int | None
    min_days: int


RULES: dict[RetentionKind, KindRule] = {
    RetentionKind.FREE_TEXT: KindRule(default_days=730, min_days=30),
    # Off by default: erasing is irreversible, suppresses the address for good and refuses the
    # contact's external id when the company's systems send it again.
    RetentionKind.INACTIVE_CONTACTS: KindRule(default_days=None, min_days=180),
    RetentionKind.OUTBOX_BODIES: KindRule(default_days=90, min_days=7),
    # At least a year, so an investigation can still read what happened.
    RetentionKind.AUDIT_LOG: KindRule(default_days=730, min_days=365),
}


def cutoff(now: datetime, days: int | None) -> datetime | None:
    """The moment before which rows of a kind with ``days`` go; ``None`` when kept forever."""
    return None if days is None else now - timedelta(days=days)


def days_problem(kind: RetentionKind, days: int | None) -> str | None:
    """Why ``days`` is not an acceptable period for ``kind`` (a message id), or ``None``."""
    if days is None:
        return None
    rule = RULES[kind]
    if days < rule.min_days or days > MAX_DAYS:
        return N_("This period is shorter or longer than allowed for this kind of data.")
    return None


def run_period(now: datetime) -> str:
    """The name of the daily period ``now`` (UTC) falls in: ``2026-11-23``."""
    return f"{now:%Y-%m-%d}"
