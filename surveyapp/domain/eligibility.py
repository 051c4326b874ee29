"""Pure checks that decide whether and when a trigger rule invites a contact.

Every check returns its outcome with a reason code, so a CX owner can see why a customer was
(not) surveyed. Nothing here reads a clock or a database: callers pass the facts in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

CONDITION_OPERATORS = ("eq", "ne", "in", "gt", "gte", "lt", "lte")
# Quiet hours never push a send further than this; a misconfigured rule must not stall forever.
MAX_QUIET_SHIFT = timedelta(days=14)


@dataclass(frozen=True)
class Condition:
    """``<source>.<attribute> <op> <value>``, e.g. ``contact.plan in [pro, enterprise]``."""

    source: str  # "interaction" or "contact"
    attribute: str
    op: str
    value: Any

    def describe(self) -> str:
        """A compact, stable text for explanations."""
        return f"{self.source}.{self.attribute} {self.op} {self.value!r}"


@dataclass(frozen=True)
class Check:
    """One step of the decision: its name, whether it passed, and a reason code."""

    name: str
    passed: bool
    reason: str
    detail: str = ""


def condition_holds(condition: Condition, attributes: Mapping[str, Any]) -> bool:
    """Whether ``condition`` holds for ``attributes``; a missing attribute never matches."""
    if condition.attribute not in attributes:
        return False
    actual = attributes[condition.attribute]
    expected = condition.value
    if condition.op == "eq":
        return _same(actual, expected)
    if condition.op == "ne":
        return not _same(actual, expected)
    if condition.op == "in":
        return any(_same(actual, item) for item in _as_list(expected))
    number, limit = _as_number(actual), _as_number(expected)
    if number is None or limit is None:
        return False
    return {
        "gt": number > limit,
        "gte": number >= limit,
        "lt": number < limit,
        "lte": number <= limit,
    }.get(condition.op, False)


def first_failed_condition(
    conditions: Sequence[Condition],
    interaction_attributes: Mapping[str, Any],
    contact_attributes: Mapping[str, Any],
) -> Condition | None:
    """The first condition that does not hold, or ``None`` when all hold."""
    for condition in conditions:
        source = contact_attributes if condition.source == "contact" else interaction_attributes
        if not condition_holds(condition, source):
            return condition
    return None


def sampling_draw(*parts: object) -> float:
    """A deterministic number in [0, 1) from ``parts`` (same input, same draw, every run)."""
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_sampled(rate: float, *parts: object) -> bool:
    """Whether the deterministic draw for ``parts`` falls under ``rate`` (0.0 to 1.0)."""
    return rate >= 1.0 or sampling_draw(*parts) < rate


def stratum_rate(
    base_rate: float, stratum: str | None, stratum_rates: Mapping[str, float]
) -> float:
    """The sampling rate for a contact's stratum (its own rate if set, else the base rate)."""
    if stratum is not None and stratum in stratum_rates:
        return stratum_rates[stratum]
    return base_rate


@dataclass(frozen=True)
class QuietHours:
    """When not to send, in the contact's time zone: nightly hours, weekdays and holidays.

    ``start``/``end`` may wrap midnight (22:00-07:00). ``days`` are ISO weekdays (1 = Monday).
    """

    start: time | None = None
    end: time | None = None
    days: frozenset[int] = frozenset()
    holidays: frozenset[date] = frozenset()

    def is_quiet(self, local: datetime) -> bool:
        """Whether the local time falls in quiet hours, a quiet weekday or a holiday."""
        if local.isoweekday() in self.days or local.date() in self.holidays:
            return True
        if self.start is None or self.end is None or self.start == self.end:
            return False
        now = local.time()
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end


def next_send_time(planned: datetime, timezone: str, quiet: QuietHours) -> datetime:
    """The first moment at or after ``planned`` (aware UTC) outside quiet time, in UTC.

    Moves in 15-minute steps in the contact's ``timezone`` (an IANA name); gives up after
    ``MAX_QUIET_SHIFT`` and returns the planned time shifted by that much.
    """
    zone = ZoneInfo(timezone)
    candidate = planned
    step = timedelta(minutes=15)
    while quiet.is_quiet(candidate.astimezone(zone)):
        candidate = _next_boundary(candidate, zone, quiet, step)
        if candidate - planned > MAX_QUIET_SHIFT:
            return planned + MAX_QUIET_SHIFT
    return candidate


def _next_boundary(
    candidate: datetime, zone: ZoneInfo, quiet: QuietHours, step: timedelta
) -> datetime:
    local = candidate.astimezone(zone)
    if local.isoweekday() in quiet.days or local.date() in quiet.holidays:
        next_day = datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=zone)
        return next_day.astimezone(candidate.tzinfo)
    if quiet.end is not None:
        end_today = datetime.combine(local.date(), quiet.end, tzinfo=zone)
        if end_today > local:
            return end_today.astimezone(candidate.tzinfo)
        end_tomorrow = datetime.combine(local.date() + timedelta(days=1), quiet.end, tzinfo=zone)
        return end_tomorrow.astimezone(candidate.tzinfo)
    return candidate + step


def within_recontact_period(
    last_invited_at: datetime | None, now: datetime, period: timedelta | None
) -> bool:
    """Whether the last invitation is too recent to ask again (``None`` period: never)."""
    return period is not None and last_invited_at is not None and now - last_invited_at < period


def holidays_for(region: str | None, listed: Iterable[tuple[str, date]]) -> frozenset[date]:
    """The holidays listed for ``region`` plus those listed for every region (``*``)."""
    return frozenset(day for where, day in listed if where in ("*", region))


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return str(actual).lower() == str(expected).lower()
    if isinstance(actual, str) and isinstance(expected, str):
        left, right = actual.strip().lower(), expected.strip().lower()
        if left == right:
            return True
        if not (_looks_numeric(left) and _looks_numeric(right)):
            return False  # two texts that differ ("q3", "q4"): no number to compare
    number, other = _as_number(actual), _as_number(expected)
    if number is not None and other is not None:
        return number == other
    return str(actual).strip().lower() == str(expected).strip().lower()


def _looks_numeric(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text[0] in "+-.")


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [part.strip() for part in str(value).split(",")]


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None
