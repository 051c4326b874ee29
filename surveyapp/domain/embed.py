"""Pure rules of embedded website surveys: origins, site secrets, signatures, offers, themes.

Nothing here reads a clock, a database or a request: callers pass the facts in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

# The browser's visitor id (embed.js keeps it in the host page's localStorage).
VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
# An anonymous visitor's contact has this external id prefix and a hash, never the raw id.
VISITOR_PREFIX = "visitor:"
THEME_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")
# Hosts a site may use over plain http, for trying the snippet on a developer's machine.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
_DEFAULT_PORTS = {"https": 443, "http": 80}
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_MAX_HOST = 253
_DARK_TEXT = "#111111"
_LIGHT_TEXT = "#ffffff"


class Position(StrEnum):
    """Where the widget sits on the host page."""

    BOTTOM_RIGHT = "bottom_right"
    BOTTOM_LEFT = "bottom_left"


def normalise_origin(text: str) -> str | None:
    """``text`` as a browser's ``Origin`` value (``https://shop.example[:port]``), or ``None``.

    Accepts ``https`` with a DNS name or IP address, and ``http`` only for loopback hosts
    (``localhost``, ``127.0.0.1``, ``[::1]``) so a developer can try the snippet. No user,
    path, query or fragment; default ports are dropped and names lower-cased, as browsers do.
    """
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets in an origin
    if scheme == "http" and host not in LOOPBACK_HOSTS:
        return None
    if not _is_host(host):
        return None
    suffix = f":{port}" if port is not None and port != _DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{host}{suffix}"


def _is_host(host: str) -> bool:
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return True
    if len(host) > _MAX_HOST:
        return False
    return all(_LABEL.fullmatch(label) for label in host.split("."))


def matching_origin(origin: str | None, allowed: Collection[str]) -> str | None:
    """The one of the site's ``allowed`` origins the request's ``Origin`` header names, if any."""
    if not origin:
        return None
    if origin in allowed:
        return origin  # browsers send origins normalised already: the usual case
    clean = normalise_origin(origin)
    return clean if clean is not None and clean in allowed else None


def is_origin_allowed(origin: str | None, allowed: Collection[str]) -> bool:
    """Whether the request's ``Origin`` header is one of the site's ``allowed`` origins."""
    return matching_origin(origin, allowed) is not None


def site_secret(app_secret: str, salt: str) -> str:
    """A site's signing secret (64 hex digits), derived from the installation's secret.

    Only ``salt`` is stored: a copy of the database alone cannot sign as the site, and a new
    salt rotates the secret. Changing the installation's secret changes every site secret.
    """
    return hmac.new(
        app_secret.encode("utf-8"), f"embed-site-secret:{salt}".encode(), hashlib.sha256
    ).hexdigest()


def secret_check(secret: str) -> str:
    """A short fingerprint of a site secret, to notice when the derived secret changed."""
    return hashlib.sha256(f"embed-site-check:{secret}".encode()).hexdigest()[:16]


def sign_contact(secret: str, contact_id: str) -> str:
    """HMAC-SHA256 of the contact's id with the site secret, as lower-case hex.

    This is what the company's server computes for ``surveyapp.identify(id, signature)``.
    """
    return hmac.new(secret.encode("utf-8"), contact_id.encode("utf-8"), hashlib.sha256).hexdigest()


def is_signature_valid(secret: str, contact_id: str, signature: str) -> bool:
    """Whether ``signature`` signs ``contact_id`` with ``secret`` (constant-time compare)."""
    given = signature.strip().lower()
    if not SIGNATURE.fullmatch(given):
        return False
    return hmac.compare_digest(sign_contact(secret, contact_id), given)


def visitor_external_id(site_id: int, visitor_id: str) -> str:
    """The external id of an anonymous visitor's contact: a hash of site and browser id."""
    digest = hashlib.sha256(f"embed-visitor:{site_id}:{visitor_id}".encode()).hexdigest()
    return VISITOR_PREFIX + digest[:32]


def is_visitor(external_id: str) -> bool:
    """Whether a contact stands for an anonymous website visitor."""
    return external_id.startswith(VISITOR_PREFIX)


def text_colour_on(background: str) -> str:
    """Dark or white text, whichever contrasts more with ``background`` (``#rrggbb``)."""
    light = _contrast(_luminance(background), 1.0)
    dark = _contrast(_luminance(background), _luminance(_DARK_TEXT))
    return _LIGHT_TEXT if light >= dark else _DARK_TEXT


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]  # noqa: PLR2004
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(first: float, second: float) -> float:
    high, low = max(first, second), min(first, second)
    return (high + 0.05) / (low + 0.05)


@dataclass(frozen=True)
class Offer:
    """What an eligibility check decided may be shown, sealed for the widget to hand back.

    The widget cannot change it (``seal_offer`` signs it) and it is worth nothing after
    ``expires_at``. ``contact_ref`` is the contact's external id (``visitor:…`` for an
    anonymous visitor); ``interaction_key`` becomes the interaction's idempotency key.
    """

    site_id: int
    event: str
    rule_id: int
    version_id: int
    contact_ref: str
    interaction_key: str
    occurred_at: datetime
    locale: str
    consent_required: bool
    expires_at: datetime
    attributes: Mapping[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=8)
def _offer_key(app_secret: str) -> bytes:
    return hmac.new(app_secret.encode("utf-8"), b"embed-offer", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal_offer(app_secret: str, offer: Offer) -> str:
    """The offer as a signed, URL-safe text (``<payload>.<signature>``)."""
    payload = {
        "s": offer.site_id,
        "ev": offer.event,
        "r": offer.rule_id,
        "v": offer.version_id,
        "c": offer.contact_ref,
        "k": offer.interaction_key,
        "t": offer.occurred_at.timestamp(),
        "l": offer.locale,
        "n": offer.consent_required,
        "e": int(offer.expires_at.timestamp()),
        "a": dict(offer.attributes),
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    signature = hmac.new(_offer_key(app_secret), body.encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(signature)}"


def open_offer(app_secret: str, sealed: str, *, now: datetime) -> Offer | None:
    """The offer sealed in ``sealed``; ``None`` when altered, malformed or expired."""
    body, _, signature = sealed.partition(".")
    try:
        expected = hmac.new(_offer_key(app_secret), body.encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(_unb64(signature), expected):
            return None
        payload = json.loads(_unb64(body))
        offer = Offer(
            site_id=int(payload["s"]),
            event=str(payload["ev"]),
            rule_id=int(payload["r"]),
            version_id=int(payload["v"]),
            contact_ref=str(payload["c"]),
            interaction_key=str(payload["k"]),
            occurred_at=datetime.fromtimestamp(float(payload["t"]), UTC),
            locale=str(payload["l"]),
            consent_required=bool(payload["n"]),
            expires_at=datetime.fromtimestamp(int(payload["e"]), UTC),
            attributes=dict(payload["a"]),
        )
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeError):
        return None
    return offer if offer.expires_at > now else None
