"""When a subscribed report is due, which days it covers, and how periods are named."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from surveyapp.domain.report_periods import Cadence, current_period, next_period


@pytest.mark.parametrize(
    ("now", "name", "first", "last"),
    [
        # Monday 07:00 in Berlin is 06:00 UTC in winter: a minute before, last week's is current.
        (datetime(2026, 3, 2, 5, 59, tzinfo=UTC), "2026-W09", date(2026, 2, 16), date(2026, 2, 22)),
        (datetime(2026, 3, 2, 6, 0, tzinfo=UTC), "2026-W10", date(2026, 2, 23), date(2026, 3, 1)),
        (datetime(2026, 3, 8, 22, 0, tzinfo=UTC), "2026-W10", date(2026, 2, 23), date(2026, 3, 1)),
        # Summer time: 07:00 in Berlin is 05:00 UTC.
        (datetime(2026, 7, 6, 5, 0, tzinfo=UTC), "2026-W28", date(2026, 6, 29), date(2026, 7, 5)),
    ],
)
def test_weekly_reports_are_due_on_monday_at_seven_local_time(
    now: datetime, name: str, first: date, last: date
) -> None:
    period = current_period(Cadence.WEEKLY, now, "Europe/Berlin")

    assert (period.name, period.first_day, period.last_day) == (name, first, last)
    assert period.due_at <= now


def test_monthly_reports_cover_the_previous_calendar_month() -> None:
    period = current_period(Cadence.MONTHLY, datetime(2026, 3, 1, 6, 0, tzinfo=UTC), "UTC")
    before = current_period(Cadence.MONTHLY, datetime(2026, 3, 1, 6, 59, tzinfo=UTC), "UTC")
    after = current_period(Cadence.MONTHLY, datetime(2026, 3, 1, 7, 0, tzinfo=UTC), "UTC")

    assert (period.name, before.name) == ("2026-02", "2026-02")
    assert (before.first_day, before.last_day) == (date(2026, 1, 1), date(2026, 1, 31))
    assert (after.name, after.first_day, after.last_day) == (
        "2026-03",
        date(2026, 2, 1),
        date(2026, 2, 28),
    )


def test_the_next_period_is_the_first_due_after_now() -> None:
    now = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)

    weekly = next_period(Cadence.WEEKLY, now, "America/New_York")
    monthly = next_period(Cadence.MONTHLY, now, "Asia/Tokyo")

    assert weekly.due_at == datetime(2027, 1, 4, 12, 0, tzinfo=UTC)  # 07:00 in New York
    assert weekly.name == "2027-W01"
    assert monthly.due_at == datetime(2026, 12, 31, 22, 0, tzinfo=UTC)  # 1 Jan 07:00 in Tokyo
    assert monthly.name == "2027-01"
