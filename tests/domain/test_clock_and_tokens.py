"""Pure helpers: the test clock, tokens and generated passwords, role sections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from surveyapp.domain.clock import FixedClock, SystemClock
from surveyapp.domain.roles import Role, can_open
from surveyapp.domain.tokens import generate_password, generate_token, hash_token


def test_fixed_clock_moves_only_when_told_and_only_forward() -> None:
    clock = FixedClock(datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=1))))
    assert clock.now() == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert clock.now().tzinfo == UTC
    clock.advance(timedelta(minutes=30))
    assert clock.now() == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2026, 1, 1))  # noqa: DTZ001 -- the point of the test


def test_system_clock_is_aware_utc() -> None:
    assert SystemClock().now().tzinfo == UTC


def test_tokens_are_long_unique_and_stored_hashed() -> None:
    tokens = {generate_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(token) >= 32 for token in tokens)  # 24 bytes -> 32 URL-safe characters
    token = next(iter(tokens))
    assert hash_token(token) == hash_token(token) != token
    assert len(hash_token(token)) == 64


def test_generated_passwords_are_long_and_varied() -> None:
    passwords = {generate_password() for _ in range(200)}
    assert len(passwords) == 200
    assert all(len(p) == 20 and p.isalnum() for p in passwords)


def test_only_admins_open_administration_and_everyone_the_home_page() -> None:
    assert [role for role in Role if can_open(role, "admin")] == [Role.ADMIN]
    assert all(can_open(role, "home") for role in Role)
    assert not can_open(Role.VIEWER, "cases")
    assert not can_open(Role.ADMIN, "no-such-section")
