"""Respondent pages refuse posts sent from another website (the ``Origin`` check).

The CSRF token of each rendered page is the first defence; this is the second (OWASP CSRF
cheat sheet, "verifying origin with standard headers"). Browsers send ``Origin`` with every
POST; under our ``Referrer-Policy: same-origin`` a post from another site carries that site's
origin or ``null``. A post without ``Origin`` is let through: some browsers and privacy tools
omit it, and the CSRF token still guards it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request
from werkzeug.exceptions import Forbidden

from surveyapp.runtime import get_runtime

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# RFC 8058: mail providers POST the one-click unsubscribe from their own servers.
CROSS_SITE_ENDPOINTS = frozenset({"public.one_click_unsubscribe"})


class ForeignOrigin(Forbidden):
    """A respondent page was posted from another website."""


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def own_origins() -> set[str]:
    """This installation's origins: the address the request came to, and the configured one."""
    origins = {_origin_of(request.host_url)}
    base_url = get_runtime().config.base_url
    if base_url:
        origins.add(_origin_of(base_url))
    return origins


def refuse_foreign_origin() -> None:
    """``before_request``: raise ``ForeignOrigin`` for a post from another website's page."""
    if request.method in SAFE_METHODS or request.endpoint in CROSS_SITE_ENDPOINTS:
        return
    origin = request.headers.get("Origin")
    if origin is None:
        return
    if origin.strip().lower() not in own_origins():
        raise ForeignOrigin()
