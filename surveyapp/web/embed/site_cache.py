"""Sites and their events' website rules, kept a few seconds per process: every page event
of every visitor reads them, and they change only when staff edit them.

The visitor's own facts (consent, last invitations) are never kept: they are read for every
event. A change to a site, a rule or the consent policy reaches this process's widget calls
after ``SURVEYAPP_EMBED_CACHE_SECONDS`` at most; changes staff make in the site pages of this
process apply at once (``forget``). Entries live on the app, so tests' apps never share them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import Flask, current_app

from surveyapp.runtime import get_runtime
from surveyapp.services.embed import eligibility, facts
from surveyapp.services.embed.facts import RuleSet, SiteView
from surveyapp.web.uow import clock, read_connection

MAX_ENTRIES = 2048
_EXTENSION = "surveyapp.embed_site_cache"
_T = TypeVar("_T")


class _Entries:
    """A small LRU of values that expire, shared by the threads of one app."""

    def __init__(self) -> None:
        self.values: OrderedDict[Hashable, tuple[datetime, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get_or_load(
        self, key: Hashable, now: datetime, ttl: timedelta, load: Callable[[], _T]
    ) -> _T:
        with self.lock:
            found = self.values.get(key)
            if found is not None and found[0] > now:
                self.values.move_to_end(key)
                return found[1]  # type: ignore[no-any-return]
        value = load()  # outside the lock: two threads may both load; the last one is kept
        with self.lock:
            self.values[key] = (now + ttl, value)
            self.values.move_to_end(key)
            while len(self.values) > MAX_ENTRIES:
                self.values.popitem(last=False)
        return value


def site(site_key: str) -> SiteView | None:
    """The site with this key (active or not), if any."""
    return _cached(("site", site_key), lambda: facts.load_site(read_connection(), site_key))


def site_and_rules(site_key: str, event: str) -> tuple[SiteView | None, RuleSet]:
    """The site and the website rules of ``event`` (``ValidationFailed`` for a bad event)."""
    key = eligibility.event_key(event)
    return _cached(
        ("rules", site_key, key),
        lambda: eligibility.load_site_and_rules(read_connection(), site_key, key),
    )


def forget(app: Flask | None = None) -> None:
    """Drop everything kept (after staff changed a site in this process)."""
    entries = (app or current_app).extensions.get(_EXTENSION)
    if entries is not None:
        with entries.lock:
            entries.values.clear()


def _cached(key: Hashable, load: Callable[[], _T]) -> _T:
    seconds = get_runtime().config.embed_cache_seconds
    if seconds <= 0:
        return load()
    entries: _Entries = current_app.extensions.setdefault(_EXTENSION, _Entries())
    return entries.get_or_load(key, clock().now(), timedelta(seconds=seconds), load)
