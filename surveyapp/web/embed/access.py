"""Which site a widget request is for, whether its page's origin may call, and CORS headers.

Browsers send ``Origin`` with every cross-origin request; only a site's allowed origins get
``Access-Control-Allow-Origin`` (echoed, never ``*``) and only they are served. Requests carry
no cookies, so no credentials are allowed either. Rate limits count per site key (all its
visitors) and per client address.
"""

from __future__ import annotations

from typing import cast

from flask import Response, g, request
from werkzeug.exceptions import Forbidden, NotFound

from surveyapp.domain.embed import matching_origin
from surveyapp.runtime import get_runtime
from surveyapp.services.embed.facts import SiteView
from surveyapp.web.embed import site_cache
from surveyapp.web.security import header_values

# Browsers keep an answered preflight this long (Chromium caps it at two hours).
PREFLIGHT_MAX_AGE = "7200"
_UNSET = object()


def current_site() -> SiteView | None:
    """The active site named by the URL's ``site_key``, read once per request."""
    found = g.get("embed_site", _UNSET)
    if found is _UNSET:
        key = (request.view_args or {}).get("site_key")
        site = site_cache.site(str(key)) if key else None
        found = g.embed_site = site if site is not None and site.is_active else None
    return cast(SiteView | None, found)


def remember_site(site: SiteView | None) -> None:
    """Use ``site`` (read by the view together with more) as this request's site."""
    g.embed_site = site if site is not None and site.is_active else None
    g.pop("embed_origin", None)


def allowed_origin() -> str | None:
    """The request's ``Origin`` (normalised) when the site allows it, else ``None``."""
    found = g.get("embed_origin", _UNSET)
    if found is _UNSET:
        site = current_site()
        origin = request.headers.get("Origin")
        found = g.embed_origin = (
            matching_origin(origin, site.allowed_origins) if site is not None else None
        )
    return cast(str | None, found)


def admitted() -> tuple[SiteView, str]:
    """The site and the calling origin; 404 for an unknown or inactive key, 403 otherwise."""
    site = current_site()
    if site is None:
        raise NotFound("There is no active website with this key.")
    origin = allowed_origin()
    if origin is None:
        raise Forbidden("This page's origin is not allowed for this website.")
    return site, origin


def add_cors_headers(response: Response) -> Response:
    """Allow the calling origin to read the answer (and its preflight), if the site allows it."""
    if "vary" in header_values(response):
        response.vary.add("Origin")
    else:  # the usual case, without parsing and rewriting an empty header set
        response.headers.add("Vary", "Origin")
    origin = allowed_origin()
    if origin is None:
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


def app_secret() -> str:
    """The installation's secret key: site secrets and offers are derived from it."""
    secret = get_runtime().config.secret_key
    assert secret  # noqa: S101 -- create_app refuses to start without one
    return secret


def site_rate_limit() -> str:
    """Requests per site key (``SURVEYAPP_EMBED_SITE_RATE_LIMIT``, read per request)."""
    return get_runtime().config.embed_site_rate_limit


def ip_rate_limit() -> str:
    """Requests per client address (``SURVEYAPP_EMBED_IP_RATE_LIMIT``)."""
    return get_runtime().config.embed_ip_rate_limit


def site_limit_key() -> str:
    """The rate limit bucket of the URL's site key (known or not)."""
    return "embed-site-" + str((request.view_args or {}).get("site_key", ""))
