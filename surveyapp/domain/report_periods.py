"""Report periods (pure): when a subscribed report is due and which days it covers.

A weekly report is due on Monday at 07:00 in the subscriber's time zone and covers the
previous Monday to Sunday; a monthly one is due on the 1st at 07:00 and covers the previous
calendar month. Periods are named ``2026-W48`` (ISO week of the due day) and ``2026-11``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

SEND_TIME = time(7, 0)


class Cadence(StrEnum):
    """How often a subscribed report is sent; the values are stored in the database."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class ReportPeriod:
    """One period of a subscription: its name, when it is due (UTC) and the days it covers."""

    name: str
    due_at: datetime
    first_day: date
    last_day: date


def current_period(cadence: Cadence, now: datetime, timezone: str) -> ReportPeriod:
    """The period whose due time is the latest one at or before ``now`` (aware), or the next.

    ``now`` before this week's (month's) send time yields the period of the previous week
    (month): its report was due last Monday (on the 1st of last month).
    """
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    due_day = _due_day(cadence, local.date())
    if local.time() < SEND_TIME and due_day == local.date():
        due_day = _due_day(cadence, due_day - timedelta(days=1))
    return _period(cadence, due_day, zone)


def next_period(cadence: Cadence, now: datetime, timezone: str) -> ReportPeriod:
    """The first period whose due time is after ``now`` (aware)."""
    zone = ZoneInfo(timezone)
    due_day = current_period(cadence, now, timezone).due_at.astimezone(zone).date()
    if cadence == Cadence.WEEKLY:
        return _period(cadence, due_day + timedelta(days=7), zone)
    return _period(cadence, (due_day + timedelta(days=32)).replace(day=1), zone)


def _due_day(cadence: Cadence, day: date) -> date:
    """The due day (Monday or 1st) on or before ``day``."""
    if cadence == Cadence.WEEKLY:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _period(cadence: Cadence, due_day: date, zone: ZoneInfo) -> ReportPeriod:
    due_at = datetime.combine(due_day, SEND_TIME, tzinfo=zone).astimezone(UTC)
    last_day = due_day - timedelta(days=1)
    if cadence == Cadence.WEEKLY:
        year, week, _ = due_day.isocalendar()
        name = f"{year}-W{week:02d}"
        first_day = due_day - timedelta(days=7)
    else:
        name = f"{due_day:%Y-%m}"
        first_day = last_day.replace(day=1)
    return ReportPeriod(name=name, due_at=due_at, first_day=first_day, last_day=last_day)
