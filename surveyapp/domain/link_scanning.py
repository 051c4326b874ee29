"""Telling a person's click on an emailed score link from a link scanner's fetch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

# Scanners (Safe Links and friends) fetch every link of a mail within a few seconds; a person
# clicks one score. Two different scores of one invitation inside this window mean a scanner.
SCANNER_WINDOW = timedelta(seconds=30)


@dataclass(frozen=True)
class LinkFetch:
    """One GET of an emailed link: the score it carried (``None`` for none) and when."""

    score: int | None
    fetched_at: datetime
    is_trap: bool = False


def looks_like_scanner(fetches: Iterable[LinkFetch], window: timedelta = SCANNER_WINDOW) -> bool:
    """Whether the fetches of one invitation show a scanner.

    True when the hidden trap link was fetched, or when two different scores were fetched
    within ``window`` of each other. Times must be timezone-aware.
    """
    scored: list[LinkFetch] = []
    for fetch in fetches:
        if fetch.is_trap:
            return True
        if fetch.score is not None:
            scored.append(fetch)
    scored.sort(key=lambda fetch: fetch.fetched_at)
    for earlier, later in pairwise(scored):
        if later.score != earlier.score and later.fetched_at - earlier.fetched_at <= window:
            return True
    return False
