"""Rendered survey pages kept per process, for the page every new respondent of a link sees.

A published version never changes, so the first page of an anonymous link is the same HTML for
every respondent who has not answered yet, except for the CSRF token of their session. The page
is rendered once with a placeholder where the token goes and served from memory afterwards.
Keys hold the version's stored document itself (not its id): ids can be reused after a rollback
on SQLite, and the document is what decides the page.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask_wtf.csrf import generate_csrf

MAX_PAGES = 512
# Random per process, so no survey text can contain it by accident or on purpose.
_TOKEN_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"

_pages: OrderedDict[tuple[Hashable, ...], str] = OrderedDict()
_lock = threading.Lock()


def cached_page(key: tuple[Hashable, ...], render: Callable[[Callable[[], str]], str]) -> str:
    """The page for ``key`` with this session's CSRF token; ``render`` runs on the first use.

    ``render`` gets the function the template calls for the token (``csrf_token``).
    """
    with _lock:
        page = _pages.get(key)
        if page is not None:
            _pages.move_to_end(key)
    if page is None:
        page = render(lambda: _TOKEN_PLACEHOLDER)
        with _lock:
            _pages[key] = page
            while len(_pages) > MAX_PAGES:
                _pages.popitem(last=False)
    return page.replace(_TOKEN_PLACEHOLDER, generate_csrf())
