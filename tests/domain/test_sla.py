"""Due times in working hours, checked against examples worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveyapp.domain.sla import (
    SlaTargets,
    WorkingHours,
    add_working_time,
    due_times,
    working_time_between,
)

BERLIN = WorkingHours(timezone="Europe/Berlin")  # Monday to Friday, 09:00-17:00
HOURS = timedelta(hours=1)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Monday 10:00 CET + 4 h: the same afternoon, 14:00 CET.
        (utc(2026, 3, 2, 9), 4, utc(2026, 3, 2, 13)),
        # Monday 16:00 CET + 4 h: one hour tonight, three tomorrow: Tuesday 12:00 CET.
        (utc(2026, 3, 2, 15), 4, utc(2026, 3, 3, 11)),
        # Friday 15:00 CET + 8 h: two hours Friday, six on Monday: Monday 15:00 CET.
        (utc(2026, 3, 6, 14), 8, utc(2026, 3, 9, 14)),
        # Saturday 11:00 CET + 4 h: counted from Monday 09:00: Monday 13:00 CET.
        (utc(2026, 3, 7, 10), 4, utc(2026, 3, 9, 12)),
        # Tuesday 07:00 CET (before work) + 8 h: the whole of Tuesday, 17:00 CET.
        (utc(2026, 3, 3, 6), 8, utc(2026, 3, 3, 16)),
        # Friday 15:00 CET + 8 h over the change to summer time (Sunday 29 March):
        # two hours Friday, six from Monday 09:00 CEST (07:00 UTC): 13:00 UTC.
        (utc(2026, 3, 27, 14), 8, utc(2026, 3, 30, 13)),
        # Friday 15:00 CEST + 8 h over the change back (Sunday 25 October):
        # two hours Friday, six from Monday 09:00 CET (08:00 UTC): 14:00 UTC.
        (utc(2026, 10, 23, 13), 8, utc(2026, 10, 26, 14)),
        # Exactly at the end of a day, zero working time left: the next morning's start.
        (utc(2026, 3, 2, 16), 0, utc(2026, 3, 3, 8)),
    ],
)
def test_due_in_working_hours_of_a_berlin_team(start: datetime, hours: int, due: datetime) -> None:
    assert add_working_time(start, hours * HOURS, BERLIN) == due


def test_holidays_are_days_off() -> None:
    easter = WorkingHours(
        timezone="Europe/Berlin", holidays=frozenset({date(2026, 4, 3), date(2026, 4, 6)})
    )
    # Thursday 16:00 CEST + 2 h: one hour Thursday; Good Friday, the weekend and Easter
    # Monday are off; one hour on Tuesday: 10:00 CEST = 08:00 UTC.
    assert add_working_time(utc(2026, 4, 2, 14), 2 * HOURS, easter) == utc(2026, 4, 7, 8)


def test_new_york_team_over_the_american_change_to_summer_time() -> None:
    new_york = WorkingHours(timezone="America/New_York")
    # Friday 16:30 EST (21:30 UTC) + 1 h: half an hour Friday, half an hour from Monday
    # 09:00 EDT (13:00 UTC), after the change on Sunday 8 March.
    assert add_working_time(utc(2026, 3, 6, 21, 30), HOURS, new_york) == utc(2026, 3, 9, 13, 30)


def test_a_window_across_the_night_of_a_change_holds_real_hours() -> None:
    night = WorkingHours(
        timezone="Europe/Berlin", days=frozenset(range(1, 8)), start=time(0), end=time(6)
    )
    # 29 March: 00:00 CET (23:00 UTC the day before) to 06:00 CEST (04:00 UTC): five hours.
    spring = working_time_between(utc(2026, 3, 28, 20), utc(2026, 3, 29, 12), night)
    assert spring == 5 * HOURS
    # 25 October: 00:00 CEST (22:00 UTC the day before) to 06:00 CET (05:00 UTC): seven.
    autumn = working_time_between(utc(2026, 10, 24, 20), utc(2026, 10, 25, 12), night)
    assert autumn == 7 * HOURS


def test_calendar_hours_ignore_nights_weekends_and_time_zones() -> None:
    start = utc(2026, 3, 27, 14)  # Friday
    assert add_working_time(start, 48 * HOURS, None) == utc(2026, 3, 29, 14)
    assert working_time_between(start, utc(2026, 3, 29, 14), None) == 48 * HOURS


def test_working_time_between_counts_only_windows() -> None:
    # Friday 15:00 CET to Monday 11:00 CET: two hours Friday, two on Monday.
    assert working_time_between(utc(2026, 3, 6, 14), utc(2026, 3, 9, 10), BERLIN) == 4 * HOURS
    assert working_time_between(utc(2026, 3, 9, 10), utc(2026, 3, 6, 14), BERLIN) == timedelta(0)


def test_due_times_of_a_case_use_the_team_targets() -> None:
    targets = SlaTargets(first_action_hours=4, resolution_hours=16, working_hours=BERLIN)
    due = due_times(utc(2026, 3, 2, 15), targets)  # Monday 16:00 CET
    assert due.first_action_due_at == utc(2026, 3, 3, 11)  # Tuesday 12:00 CET
    assert due.resolution_due_at == utc(2026, 3, 4, 15)  # 1 + 8 + 7 h: Wednesday 16:00 CET


@pytest.mark.parametrize(
    "settings",
    [
        {"timezone": "Mars/Olympus"},
        {"days": frozenset()},
        {"days": frozenset({0, 1})},
        {"start": time(17), "end": time(9)},
    ],
)
def test_impossible_working_hours_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 -- each message names its own problem
        WorkingHours(**settings)  # type: ignore[arg-type]


def test_naive_times_and_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_time(datetime(2026, 3, 2, 9), HOURS, BERLIN)  # noqa: DTZ001
    with pytest.raises(ValueError, match="not negative"):
        add_working_time(utc(2026, 3, 2, 9), -HOURS, BERLIN)


_instants = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001 -- hypothesis wants naive bounds
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@given(start=_instants, minutes=st.integers(min_value=0, max_value=60 * 200))
def test_the_working_time_between_start_and_due_is_what_was_added(
    start: datetime, minutes: int
) -> None:
    due = add_working_time(start, timedelta(minutes=minutes), BERLIN)
    assert due >= start
    assert working_time_between(start, due, BERLIN) == timedelta(minutes=minutes)
