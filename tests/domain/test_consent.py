"""Consent decisions: the newest ledger entry per channel, read through the workspace policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from surveyapp.domain.consent import (
    ConsentAction,
    ConsentChannel,
    ConsentPolicy,
    LedgerEntry,
    decide,
    latest_action,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_newest_entry_per_channel_decides() -> None:
    entries = [
        LedgerEntry(ConsentChannel.EMAIL, ConsentAction.GRANTED, T0, 1),
        LedgerEntry(ConsentChannel.WEB, ConsentAction.WITHDRAWN, T0 + timedelta(days=2), 2),
        LedgerEntry(ConsentChannel.EMAIL, ConsentAction.WITHDRAWN, T0 + timedelta(days=1), 3),
    ]
    assert latest_action(entries, ConsentChannel.EMAIL) == ConsentAction.WITHDRAWN
    assert latest_action(entries, ConsentChannel.WEB) == ConsentAction.WITHDRAWN
    assert latest_action([], ConsentChannel.EMAIL) is None


def test_same_time_entries_are_ordered_by_ledger_sequence() -> None:
    entries = [
        LedgerEntry(ConsentChannel.EMAIL, ConsentAction.WITHDRAWN, T0, 2),
        LedgerEntry(ConsentChannel.EMAIL, ConsentAction.GRANTED, T0, 1),
    ]
    assert latest_action(entries, ConsentChannel.EMAIL) == ConsentAction.WITHDRAWN


def test_policies() -> None:
    assert not decide(ConsentPolicy.OPT_IN, None).allowed
    assert decide(ConsentPolicy.OPT_IN, ConsentAction.GRANTED).allowed
    assert decide(ConsentPolicy.OPT_OUT, None).allowed
    withdrawn = decide(ConsentPolicy.OPT_OUT, ConsentAction.WITHDRAWN)
    assert not withdrawn.allowed
    assert withdrawn.reason == "opt_out:withdrawn"
