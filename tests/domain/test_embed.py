"""Pure rules of website surveys: origins, secrets, signatures, sealed offers, theme contrast."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from surveyapp.domain.embed import (
    Offer,
    is_origin_allowed,
    is_signature_valid,
    normalise_origin,
    open_offer,
    seal_offer,
    secret_check,
    sign_contact,
    site_secret,
    text_colour_on,
    visitor_external_id,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
APP_SECRET = "an-installation-secret-of-enough-length"


@pytest.mark.parametrize(
    ("typed", "origin"),
    [
        ("https://shop.example", "https://shop.example"),
        ("HTTPS://Shop.Example/", "https://shop.example"),
        ("https://shop.example:443", "https://shop.example"),
        ("https://shop.example:8443", "https://shop.example:8443"),
        ("http://localhost:5173", "http://localhost:5173"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://[::1]:3000", "http://[::1]:3000"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
    ],
)
def test_origins_are_normalised_as_browsers_send_them(typed: str, origin: str) -> None:
    assert normalise_origin(typed) == origin


@pytest.mark.parametrize(
    "typed",
    [
        "shop.example",
        "http://shop.example",  # plain http only for loopback
        "https://shop.example/checkout",
        "https://shop.example?x=1",
        "https://user:pw@shop.example",
        "https://-bad-.example",
        "https://shop.example:99999",
        "ftp://shop.example",
        "https://*.example.com",
        "",
    ],
)
def test_anything_but_an_origin_is_refused(typed: str) -> None:
    assert normalise_origin(typed) is None


def test_only_listed_origins_are_allowed() -> None:
    allowed = ["https://shop.example", "http://localhost:5173"]
    assert is_origin_allowed("https://shop.example", allowed)
    assert is_origin_allowed("https://SHOP.example:443", allowed)
    assert not is_origin_allowed("https://evil.example", allowed)
    assert not is_origin_allowed("https://shop.example.evil.example", allowed)
    assert not is_origin_allowed("null", allowed)
    assert not is_origin_allowed(None, allowed)


def test_site_secrets_depend_on_the_installation_secret_and_the_salt() -> None:
    secret = site_secret(APP_SECRET, "salt-1")
    assert len(secret) == 64
    assert secret == site_secret(APP_SECRET, "salt-1")
    assert secret != site_secret(APP_SECRET, "salt-2")
    assert secret != site_secret("another-installation-secret-value", "salt-1")
    assert secret_check(secret) != secret_check(site_secret(APP_SECRET, "salt-2"))


def test_a_signature_is_the_hex_hmac_sha256_of_the_contact_id() -> None:
    secret = site_secret(APP_SECRET, "salt")
    expected = hmac.new(secret.encode(), b"C-1042", hashlib.sha256).hexdigest()
    assert sign_contact(secret, "C-1042") == expected
    assert is_signature_valid(secret, "C-1042", expected)
    assert is_signature_valid(secret, "C-1042", expected.upper())
    assert not is_signature_valid(secret, "C-1043", expected)
    assert not is_signature_valid(site_secret(APP_SECRET, "other"), "C-1042", expected)
    assert not is_signature_valid(secret, "C-1042", expected[:-1])
    assert not is_signature_valid(secret, "C-1042", "")


def test_visitor_contacts_hide_the_browser_id_and_differ_per_site() -> None:
    first = visitor_external_id(1, "abcdefghijklmnop1234")
    assert first.startswith("visitor:")
    assert "abcdefghijklmnop1234" not in first
    assert first == visitor_external_id(1, "abcdefghijklmnop1234")
    assert first != visitor_external_id(2, "abcdefghijklmnop1234")


def _offer(**changes: object) -> Offer:
    offer = Offer(
        site_id=1,
        event="checkout.completed",
        rule_id=2,
        version_id=3,
        contact_ref="C-1042",
        interaction_key="web-abc",
        occurred_at=NOW,
        locale="de",
        consent_required=True,
        expires_at=NOW + timedelta(minutes=15),
        attributes={"order_value": 129.9, "coupon": None},
    )
    return replace(offer, **changes)  # type: ignore[arg-type]


def test_a_sealed_offer_opens_unchanged_until_it_expires() -> None:
    sealed = seal_offer(APP_SECRET, _offer())
    assert open_offer(APP_SECRET, sealed, now=NOW) == _offer()
    assert open_offer(APP_SECRET, sealed, now=NOW + timedelta(minutes=15)) is None


def test_an_altered_or_foreign_offer_does_not_open() -> None:
    sealed = seal_offer(APP_SECRET, _offer())
    body, signature = sealed.split(".")
    other_body = seal_offer(APP_SECRET, _offer(contact_ref="C-1")).split(".")[0]
    assert open_offer(APP_SECRET, f"{other_body}.{signature}", now=NOW) is None
    assert open_offer("another-installation-secret-value", sealed, now=NOW) is None
    assert open_offer(APP_SECRET, body, now=NOW) is None
    assert open_offer(APP_SECRET, "ä.ö", now=NOW) is None
    assert open_offer(APP_SECRET, "", now=NOW) is None


@pytest.mark.parametrize(
    ("background", "text"),
    [
        ("#0a58a8", "#ffffff"),
        ("#000000", "#ffffff"),
        ("#ffd400", "#111111"),
        ("#ffffff", "#111111"),
    ],
)
def test_the_text_colour_contrasts_with_the_theme(background: str, text: str) -> None:
    assert text_colour_on(background) == text
