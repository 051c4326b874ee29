"""The widget's endpoints: only the site's origins, signed ids, rate limits, clear problems."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.embed import sign_contact
from surveyapp.models import Channel, Invitation, WebDisplay, WebSite
from surveyapp.runtime import get_runtime
from tests.factories import make_web_rule, make_web_site

ORIGIN = "https://shop.example"


@pytest.fixture
def site(session: Session, clock: FixedClock) -> tuple[WebSite, str]:
    make_web_rule(session, clock)
    created = make_web_site(session, origins=(ORIGIN, "http://localhost:5173"))
    session.commit()
    return created


def call(
    client: FlaskClient,
    site: WebSite,
    action: str,
    body: Any,
    *,
    origin: str | None = ORIGIN,
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> TestResponse:
    sent = {"Origin": origin} if origin else {}
    return client.open(
        f"/embed/v1/sites/{site.site_key}/{action}",
        method=method,
        json=body,
        headers={**sent, **(headers or {})},
    )


def signed(secret: str, contact: str = "C-1") -> dict[str, str]:
    return {"contact_id": contact, "signature": sign_contact(secret, contact)}


def test_an_allowed_origin_gets_an_offer_and_cors_headers_for_itself_only(
    client: FlaskClient, site: tuple[WebSite, str]
) -> None:
    web_site, secret = site
    answer = call(
        client, web_site, "eligibility", {"event": "checkout.completed", **signed(secret)}
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["show"] is True
    assert body["offer"]
    assert "reasons" not in body  # the site does not explain decisions
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in answer.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in answer.headers
    assert answer.headers["Cache-Control"] == "no-store"

    local = call(
        client,
        web_site,
        "eligibility",
        {"event": "x.y", **signed(secret)},
        origin="http://localhost:5173",
    )
    assert local.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"


def test_the_preflight_is_answered_for_allowed_origins_only(
    client: FlaskClient, site: tuple[WebSite, str]
) -> None:
    web_site, _ = site
    request_headers = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    allowed = call(client, web_site, "eligibility", None, method="OPTIONS", headers=request_headers)
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert allowed.headers["Access-Control-Allow-Methods"] == "POST"
    assert allowed.headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert int(allowed.headers["Access-Control-Max-Age"]) > 0

    refused = call(
        client,
        web_site,
        "show",
        None,
        method="OPTIONS",
        origin="https://evil.example",
        headers=request_headers,
    )
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "Access-Control-Allow-Methods" not in refused.headers


def test_a_disallowed_or_missing_origin_is_refused(
    client: FlaskClient, site: tuple[WebSite, str]
) -> None:
    web_site, secret = site
    body = {"event": "checkout.completed", **signed(secret)}
    for origin in ("https://evil.example", "https://shop.example.evil.example", "null", None):
        refused = call(client, web_site, "eligibility", body, origin=origin)
        assert refused.status_code == 403, origin
        assert refused.mimetype == "application/problem+json"
        assert "Access-Control-Allow-Origin" not in refused.headers


def test_unknown_or_inactive_site_keys_are_not_found(
    client: FlaskClient, session: Session, site: tuple[WebSite, str]
) -> None:
    web_site, secret = site
    body = {"event": "checkout.completed", **signed(secret)}
    missing = client.post(
        "/embed/v1/sites/ws_nothing/eligibility", json=body, headers={"Origin": ORIGIN}
    )
    assert missing.status_code == 404
    web_site.is_active = False
    session.commit()
    assert call(client, web_site, "eligibility", body).status_code == 404


def test_a_bad_signature_is_refused_with_403(
    client: FlaskClient, site: tuple[WebSite, str]
) -> None:
    web_site, secret = site
    forged = {
        "event": "checkout.completed",
        "contact_id": "C-1",
        "signature": sign_contact(secret, "C-2"),
    }
    refused = call(client, web_site, "eligibility", forged)
    assert refused.status_code == 403
    assert "signature" in refused.get_json()["detail"]
    assert refused.headers["Access-Control-Allow-Origin"] == ORIGIN  # the widget may log why


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"attributes": {}}, 422),
        ({"event": "x", "unknown": 1}, 422),
        ({"event": "x", "attributes": {"nested": {"a": 1}}}, 422),
        ({"event": "x", "attributes": {"long": "y" * 501}}, 422),
    ],
)
def test_malformed_bodies_get_problem_details(
    client: FlaskClient, site: tuple[WebSite, str], body: dict[str, Any], status: int
) -> None:
    answer = call(client, site[0], "eligibility", body)
    assert answer.status_code == status
    assert answer.mimetype == "application/problem+json"
    not_json = client.post(
        f"/embed/v1/sites/{site[0].site_key}/eligibility",
        data="event=x",
        headers={"Origin": ORIGIN, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert not_json.status_code == 415


def test_a_site_that_explains_decisions_answers_with_the_reasons(
    client: FlaskClient, session: Session, site: tuple[WebSite, str]
) -> None:
    web_site, _ = site
    web_site.explain_decisions = True
    session.commit()
    anonymous = call(
        client, web_site, "eligibility", {"event": "checkout.completed", "visitor_id": "v" * 32}
    ).get_json()
    assert anonymous["show"] is False
    assert anonymous["reasons"] == ["anonymous_not_allowed"]
    assert {check["name"] for check in anonymous["checks"]} >= {"visitor", "consent", "sampling"}


def test_show_and_dismiss_store_the_display_and_answer_with_the_frame(
    client: FlaskClient, session: Session, site: tuple[WebSite, str]
) -> None:
    web_site, secret = site
    offer = call(client, web_site, "eligibility", {"event": "checkout.completed", **signed(secret)})
    shown = call(client, web_site, "show", {"offer": offer.get_json()["offer"]})
    assert shown.status_code == 200
    body = shown.get_json()
    assert body["show"] is True
    assert body["frame"].startswith(f"/embed/v1/frame/{body['token']}?origin=")
    assert body["colour"] == web_site.theme_colour
    assert body["text_colour"] == "#ffffff"
    assert body["labels"]["close"] == "Close the survey"
    assert shown.headers["Access-Control-Allow-Origin"] == ORIGIN
    invitation = session.scalars(select(Invitation)).one()
    assert invitation.channel == Channel.WEB

    dismissed = call(client, web_site, "dismiss", {"token": body["token"]})
    assert dismissed.status_code == 204
    display = session.scalars(select(WebDisplay)).one()
    session.refresh(display)
    assert display.dismissed_at is not None
    assert call(client, web_site, "dismiss", {"token": "unknown"}).status_code == 404

    # Inside the recontact period the next event offers nothing.
    again = call(client, web_site, "eligibility", {"event": "checkout.completed", **signed(secret)})
    assert again.get_json() == {"show": False, "consent_first": False}


def test_widget_labels_follow_the_visitors_language(
    client: FlaskClient, site: tuple[WebSite, str]
) -> None:
    web_site, secret = site
    body = {"event": "checkout.completed", "locale": "de-AT", **signed(secret, "C-77")}
    offer = call(client, web_site, "eligibility", body).get_json()["offer"]
    shown = call(client, web_site, "show", {"offer": offer}).get_json()
    assert shown["lang"] == "de"
    assert shown["labels"]["close"] == "Umfrage schließen"


def test_requests_over_the_limits_get_429(
    app: Flask, client: FlaskClient, site: tuple[WebSite, str]
) -> None:
    runtime = get_runtime(app)
    web_site, secret = site
    body = {"event": "checkout.completed", **signed(secret)}
    # Limits are read per request, so an operator's change applies without a restart.
    runtime.config = replace(runtime.config, embed_ip_rate_limit="2 per minute")
    assert call(client, web_site, "eligibility", body).status_code == 200
    assert call(client, web_site, "eligibility", body).status_code == 200
    refused = call(client, web_site, "eligibility", body)
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Access-Control-Allow-Origin"] == ORIGIN
    # Another address has its own budget.
    assert _from(client, web_site, body, "198.51.100.4").status_code == 200
    # The site's budget is shared by all its visitors, whatever their address.
    runtime.config = replace(runtime.config, embed_site_rate_limit="2 per minute")
    assert _from(client, web_site, body, "198.51.100.5").status_code == 200
    assert _from(client, web_site, body, "198.51.100.6").status_code == 200
    assert _from(client, web_site, body, "198.51.100.7").status_code == 429


def _from(client: FlaskClient, site: WebSite, body: dict[str, Any], address: str) -> TestResponse:
    return client.post(
        f"/embed/v1/sites/{site.site_key}/eligibility",
        json=body,
        headers={"Origin": ORIGIN},
        environ_overrides={"REMOTE_ADDR": address},
    )


def test_a_switched_off_site_stops_answering_once_its_few_cached_seconds_are_over(
    client: FlaskClient, session: Session, clock: FixedClock, site: tuple[WebSite, str]
) -> None:
    web_site, secret = site
    body = {"event": "checkout.completed", **signed(secret)}
    assert call(client, web_site, "eligibility", body).status_code == 200
    web_site.is_active = False  # changed by another process: this one keeps the site briefly
    session.commit()
    assert call(client, web_site, "eligibility", body).status_code == 200
    clock.advance(timedelta(seconds=6))
    assert call(client, web_site, "eligibility", body).status_code == 404
