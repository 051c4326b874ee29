"""Eligibility checks: conditions, deterministic sampling, quiet hours, recontact periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from surveyapp.domain.eligibility import (
    Condition,
    QuietHours,
    condition_holds,
    first_failed_condition,
    holidays_for,
    is_sampled,
    next_send_time,
    sampling_draw,
    stratum_rate,
    within_recontact_period,
)

BERLIN = "Europe/Berlin"


def test_conditions_compare_text_numbers_and_lists() -> None:
    attributes = {"plan": "Pro", "value": "1200", "region": "north", "vip": True}
    assert condition_holds(Condition("contact", "plan", "eq", "pro"), attributes)
    assert condition_holds(Condition("contact", "plan", "in", ["basic", "pro"]), attributes)
    assert condition_holds(Condition("contact", "plan", "in", "basic, pro"), attributes)
    assert condition_holds(Condition("contact", "value", "gte", 1000), attributes)
    assert not condition_holds(Condition("contact", "value", "lt", "1000"), attributes)
    assert condition_holds(Condition("contact", "vip", "eq", "true"), attributes)
    assert not condition_holds(Condition("contact", "missing", "ne", "x"), attributes)
    assert not condition_holds(Condition("contact", "plan", "gt", 3), attributes)


def test_first_failed_condition_reads_the_right_source() -> None:
    conditions = [
        Condition("interaction", "queue", "eq", "billing"),
        Condition("contact", "plan", "eq", "pro"),
    ]
    failed = first_failed_condition(conditions, {"queue": "billing"}, {"plan": "basic"})
    assert failed == conditions[1]
    assert first_failed_condition(conditions, {"queue": "billing"}, {"plan": "pro"}) is None


@given(st.text(max_size=30), st.floats(min_value=0.0, max_value=1.0))
def test_sampling_is_deterministic(key: str, rate: float) -> None:
    assert is_sampled(rate, key, 7) == is_sampled(rate, key, 7)
    assert 0.0 <= sampling_draw(key, 7) < 1.0


def test_sampling_rate_is_respected_over_many_interactions() -> None:
    sampled = sum(is_sampled(0.25, f"interaction-{n}", 3) for n in range(20_000))
    assert 4_600 < sampled < 5_400
    assert all(is_sampled(1.0, n) for n in range(100))
    assert not any(is_sampled(0.0, n) for n in range(100))


def test_strata_get_their_own_rate() -> None:
    rates = {"small-market": 1.0}
    assert stratum_rate(0.1, "small-market", rates) == 1.0
    assert stratum_rate(0.1, "big-market", rates) == 0.1
    assert stratum_rate(0.1, None, rates) == 0.1


def test_quiet_night_moves_the_send_to_the_morning_in_the_contacts_zone() -> None:
    quiet = QuietHours(start=time(21, 0), end=time(8, 0))
    planned = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    sent = next_send_time(planned, BERLIN, quiet)
    assert sent.astimezone(ZoneInfo(BERLIN)) == datetime(2026, 3, 3, 8, 0, tzinfo=ZoneInfo(BERLIN))


def test_quiet_weekend_and_holidays_move_to_the_next_working_day() -> None:
    quiet = QuietHours(
        start=time(20, 0),
        end=time(8, 0),
        days=frozenset({6, 7}),
        holidays=frozenset({date(2026, 10, 5)}),
    )
    saturday = datetime(2026, 10, 3, 10, 0, tzinfo=UTC)
    sent = next_send_time(saturday, BERLIN, quiet)
    local = sent.astimezone(ZoneInfo(BERLIN))
    assert (local.date(), local.time()) == (date(2026, 10, 6), time(8, 0))


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)),  # noqa: DTZ001
    st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"]),
    st.integers(min_value=0, max_value=23),
    st.integers(min_value=0, max_value=23),
)
def test_send_time_is_never_quiet_and_never_early(
    naive: datetime, zone: str, start_hour: int, end_hour: int
) -> None:
    planned = naive.replace(tzinfo=UTC)
    quiet = QuietHours(start=time(start_hour), end=time(end_hour), days=frozenset({7}))
    sent = next_send_time(planned, zone, quiet)
    assert sent >= planned
    assert not quiet.is_quiet(sent.astimezone(ZoneInfo(zone))) or sent - planned >= timedelta(
        days=14
    )


def test_recontact_period() -> None:
    now = datetime(2026, 3, 10, tzinfo=UTC)
    week = timedelta(days=7)
    assert within_recontact_period(now - timedelta(days=3), now, week)
    assert not within_recontact_period(now - timedelta(days=8), now, week)
    assert not within_recontact_period(None, now, week)
    assert not within_recontact_period(now, now, None)


def test_holidays_apply_to_their_region_and_everywhere() -> None:
    listed = [("DE-BY", date(2026, 8, 15)), ("*", date(2026, 12, 25)), ("DE-BE", date(2026, 3, 8))]
    assert holidays_for("DE-BY", listed) == {date(2026, 8, 15), date(2026, 12, 25)}
    assert holidays_for(None, listed) == {date(2026, 12, 25)}
