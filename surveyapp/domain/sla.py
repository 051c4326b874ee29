"""Service-level targets of follow-up cases, in a team's working hours or in calendar hours.

A team promises a first action within N hours and a resolution within M hours. Counted in
*calendar* hours, the due time is simply the start plus N hours. Counted in *working* hours,
only the time inside the team's working windows counts: on its working days, from its start
to its end of day, in its own time zone, minus its holidays. All instants in and out are
timezone-aware; windows are laid out in local wall-clock time and measured in real elapsed
time, so a day of 09:00-17:00 always holds eight hours, and a window spanning a daylight
saving change holds one hour more or less than its wall-clock length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ISO_WEEKDAYS = range(1, 8)  # Monday = 1 ... Sunday = 7
# More working days than any real search needs (ten years of holidays would still fit).
_SEARCH_LIMIT_DAYS = 3660


@dataclass(frozen=True)
class WorkingHours:
    """When a team works: ISO weekdays, a daily window (no overnight shifts), holidays.

    Raises ``ValueError`` on construction for an unknown time zone, no working days, a weekday
    outside 1-7, or a window that does not end after it starts.
    """

    timezone: str = "UTC"
    days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    start: time = time(9, 0)
    end: time = time(17, 0)
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        if not self.days or not set(self.days) <= set(ISO_WEEKDAYS):
            raise ValueError("working days must be ISO weekdays 1-7, at least one")
        if self.end <= self.start:
            raise ValueError("a working day must end after it starts")

    @property
    def zone(self) -> ZoneInfo:
        """The team's time zone."""
        return ZoneInfo(self.timezone)

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window of local ``day`` as UTC instants, or ``None`` on a day off."""
        if day.isoweekday() not in self.days or day in self.holidays:
            return None
        zone = self.zone
        begin = datetime.combine(day, self.start, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day, self.end, tzinfo=zone).astimezone(UTC)
        return begin, end


@dataclass(frozen=True)
class SlaTargets:
    """A team's promise: hours to the first action and to the resolution, and how counted.

    ``working_hours`` ``None`` counts calendar hours.
    """

    first_action_hours: int = 24
    resolution_hours: int = 72
    working_hours: WorkingHours | None = None


@dataclass(frozen=True)
class DueTimes:
    """When a case's first action and resolution are due (UTC)."""

    first_action_due_at: datetime
    resolution_due_at: datetime


def due_times(opened_at: datetime, targets: SlaTargets) -> DueTimes:
    """Both due times of a case opened at ``opened_at`` (aware) under ``targets``."""
    return DueTimes(
        add_working_time(
            opened_at, timedelta(hours=targets.first_action_hours), targets.working_hours
        ),
        add_working_time(
            opened_at, timedelta(hours=targets.resolution_hours), targets.working_hours
        ),
    )


def add_working_time(start: datetime, duration: timedelta, hours: WorkingHours | None) -> datetime:
    """The instant ``duration`` of working time after ``start`` (aware), in UTC.

    With ``hours`` ``None`` this is calendar time. A start outside working hours counts from
    the next window's beginning; a zero duration then lands on that beginning. Raises
    ``ValueError`` for a naive ``start`` or a negative ``duration``.
    """
    _check_aware(start)
    if duration < timedelta(0):
        raise ValueError("durations are not negative")
    current = start.astimezone(UTC)
    if hours is None:
        return current + duration
    remaining = duration
    day = current.astimezone(hours.zone).date()
    for _ in range(_SEARCH_LIMIT_DAYS):
        window = hours.window(day)
        if window is not None and current < window[1]:
            begin = max(current, window[0])
            available = window[1] - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
            current = window[1]
        day += timedelta(days=1)
    raise ValueError("no working time found within ten years")  # pragma: no cover


def working_time_between(start: datetime, end: datetime, hours: WorkingHours | None) -> timedelta:
    """How much working time lies between ``start`` and ``end`` (aware; zero if end <= start).

    With ``hours`` ``None`` this is the plain difference.
    """
    _check_aware(start)
    _check_aware(end)
    if end <= start:
        return timedelta(0)
    if hours is None:
        return end - start
    total = timedelta(0)
    day = start.astimezone(hours.zone).date()
    last = end.astimezone(hours.zone).date()
    while day <= last:
        window = hours.window(day)
        if window is not None:
            overlap = min(end, window[1]) - max(start, window[0])
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total


def _check_aware(moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("working time needs timezone-aware datetimes")
