"""A company's page on another origin embeds the widget; visitors answer in real Chromium.

The host pages are served by a tiny HTTP server on ``http://localhost:<port>``, while the app
runs on ``http://127.0.0.1:<port>``: another origin and even another site, so the widget works
without any cookie of the app, as on a real shop.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from surveyapp.domain.consent import ConsentChannel, ConsentPolicy, ConsentSource
from surveyapp.domain.embed import sign_contact
from surveyapp.domain.roles import Role
from surveyapp.models import Channel, ConsentEvent, Contact, Invitation, Response, WebDisplay
from surveyapp.runtime import get_runtime
from surveyapp.services import consent
from surveyapp.services._db import session_scope
from tests.e2e.pages import Axe, MakeStaff, sign_in
from tests.factories import make_user, make_web_rule, make_web_site

_numbers = itertools.count(1)
STUB = (
    "window.surveyapp=window.surveyapp||{q:[],"
    'track:function(){surveyapp.q.push(["track",arguments])},'
    'identify:function(){surveyapp.q.push(["identify",arguments])}};'
)
HOSTILE_CSS = (
    "* { color: rgb(255, 0, 0) !important; font-size: 40px !important; "
    "font-family: serif !important; line-height: 3 !important }\n"
    "button, iframe, section { display: none !important }\n"
    "div, p, h2 { visibility: hidden !important; background: lime !important }"
)
WIDGET = "surveyapp-widget"


class HostServer:
    """A web server of "the company": serves the pages a test puts in ``pages``."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path.split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *_args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://localhost:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def shop() -> Iterator[HostServer]:
    server = HostServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def other_shop() -> Iterator[HostServer]:
    server = HostServer()
    yield server
    server.close()


@dataclass(frozen=True)
class Embedded:
    """A website with a web rule: its key, secret and the event that triggers the survey."""

    site_key: str
    secret: str
    event: str


MakeEmbedded = Callable[..., Embedded]


MAX_TABS = 20


@pytest.fixture
def embedded(live_app: Flask, shop: HostServer) -> MakeEmbedded:
    runtime = get_runtime(live_app)

    def make(
        *,
        policy: ConsentPolicy = ConsentPolicy.OPT_OUT,
        origins: tuple[str, ...] | None = None,
        consent_text: str | None = None,
        allow_anonymous: bool = False,
        **site_settings: object,
    ) -> Embedded:
        event = f"e2e.checkout{next(_numbers)}"
        with session_scope(runtime.session_factory) as session:
            make_web_rule(
                session, runtime.clock, key=event, policy=policy, allow_anonymous=allow_anonymous
            )
            if consent_text:
                admin = make_user(session, role=Role.ADMIN)
                consent.save_consent_text(
                    session, locale="en", body=consent_text, clock=runtime.clock, actor=admin
                )
            site, secret = make_web_site(
                session, origins=origins or (shop.origin,), **site_settings
            )
            return Embedded(site.site_key, secret, event)

    return make


def host_page(
    live_server: str,
    embedded: Embedded,
    *,
    contact: str | None,
    signature: str | None = None,
    css: str = "",
    attributes: str = "{order_value: 129.9}",
    with_widget: bool = True,
) -> str:
    identify = ""
    if contact is not None:
        signed = signature or sign_contact(embedded.secret, contact)
        identify = f'surveyapp.identify("{contact}", "{signed}");'
    script = (
        f'<script async src="{live_server}/static/js/embed.js" '
        f'data-site="{embedded.site_key}"></script>'
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Order confirmed</title>
<style>{css}</style></head>
<body><main><h1>Thank you for your order</h1>
<p id="own-text">Your order 42 is on its way.</p>
<button id="own-button" type="button">Track parcel</button></main>
<script>{STUB}{identify}surveyapp.track("{embedded.event}", {attributes});</script>
{script if with_widget else ""}
</body></html>"""


def serve_page(shop: HostServer, html: str) -> str:
    path = f"/order-{next(_numbers)}.html"
    shop.pages[path] = html
    return shop.origin + path


def survey_frame(page: Page) -> Any:
    return page.frame_locator(f"{WIDGET} iframe")


def eligibility_answer(page: Page, url: str) -> dict[str, Any]:
    """Open ``url`` and return the JSON the eligibility endpoint answered."""
    with page.expect_response(
        lambda r: r.url.endswith("/eligibility") and r.request.method == "POST"
    ) as answered:
        page.goto(url)
    result: dict[str, Any] = answered.value.json()
    return result


def stored(live_app: Flask, query: Any) -> list[Any]:
    with session_scope(get_runtime(live_app).session_factory) as session:
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


@pytest.mark.e2e
def test_the_survey_appears_after_track_is_answered_and_not_shown_again_soon(
    page: Page, live_app: Flask, live_server: str, shop: HostServer, embedded: MakeEmbedded
) -> None:
    site = embedded(explain_decisions=True)
    contact = f"E2E-{next(_numbers)}"
    url = serve_page(shop, host_page(live_server, site, contact=contact))
    assert eligibility_answer(page, url)["show"] is True

    frame = survey_frame(page)
    expect(page.get_by_role("dialog", name="Your feedback")).to_be_visible()
    frame.get_by_role("radio", name="9", exact=True).check()
    frame.get_by_role("button", name="Send", exact=True).click()
    expect(frame.get_by_role("heading", name="Thank you")).to_be_visible()

    (response,) = stored(
        live_app,
        select(Response)
        .join(Invitation, Response.invitation_id == Invitation.id)
        .join(Contact, Invitation.contact_id == Contact.id)
        .where(Contact.external_id == contact),
    )
    assert (response.channel, response.score) == (Channel.WEB, 9)
    (invitation,) = stored(
        live_app, select(Invitation).where(Invitation.id == response.invitation_id)
    )
    assert invitation.channel == Channel.WEB

    # The next visit inside the recontact period shows nothing.
    page.get_by_role("button", name="Close the survey").click()
    expect(page.locator(WIDGET)).to_have_count(0)
    with page.expect_console_message(lambda m: "no survey for" in m.text) as logged:
        page.goto(url)
    assert "(recontact_contact)" in logged.value.text  # the site explains its decisions
    expect(page.locator(WIDGET)).to_have_count(0)


@pytest.mark.e2e
def test_closing_the_survey_counts_as_shown(
    page: Page, live_app: Flask, live_server: str, shop: HostServer, embedded: MakeEmbedded
) -> None:
    site = embedded()
    url = serve_page(shop, host_page(live_server, site, contact=f"E2E-{next(_numbers)}"))
    page.goto(url)
    close = page.get_by_role("button", name="Close the survey")
    expect(survey_frame(page).get_by_role("radio", name="0", exact=True)).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith("/dismiss")) as dismissed:
        close.click()
    assert dismissed.value.status == 204
    expect(page.locator(WIDGET)).to_have_count(0)
    (display,) = stored(
        live_app,
        select(WebDisplay)
        .join(Invitation)
        .where(Invitation.trigger_rule_id.is_not(None))
        .order_by(WebDisplay.shown_at.desc(), WebDisplay.invitation_id.desc())
        .limit(1),
    )
    assert display.dismissed_at is not None
    assert eligibility_answer(page, url)["show"] is False


@pytest.mark.e2e
def test_a_bad_signature_and_a_disallowed_origin_are_refused(
    page: Page,
    live_app: Flask,
    live_server: str,
    shop: HostServer,
    other_shop: HostServer,
    embedded: MakeEmbedded,
) -> None:
    site = embedded()
    forged = serve_page(
        shop, host_page(live_server, site, contact="E2E-forged", signature="ab" * 32)
    )
    with (
        page.expect_response(lambda r: r.url.endswith("/eligibility")) as answered,
        page.expect_console_message(lambda m: "surveyapp: track(" in m.text) as warned,
    ):
        page.goto(forged)
    assert answered.value.status == 403
    assert "403" in warned.value.text
    assert "signature" in warned.value.text
    assert warned.value.type == "warning"
    expect(page.locator(WIDGET)).to_have_count(0)

    # The same snippet on a page of an origin the site does not list: the browser's CORS
    # check fails, the widget logs it and the page goes on.
    elsewhere = serve_page(other_shop, host_page(live_server, site, contact="E2E-elsewhere"))
    with page.expect_console_message(lambda m: "surveyapp: track(" in m.text) as warned:
        page.goto(elsewhere)
    assert "failed" in warned.value.text
    expect(page.locator(WIDGET)).to_have_count(0)
    assert page.evaluate("typeof window.surveyapp.track") == "function"
    assert (
        stored(
            live_app,
            select(Contact).where(Contact.external_id.in_(["E2E-forged", "E2E-elsewhere"])),
        )
        == []
    )


@pytest.mark.e2e
def test_the_frame_cannot_be_framed_by_an_unlisted_origin(
    page: Page, live_server: str, shop: HostServer, other_shop: HostServer, embedded: MakeEmbedded
) -> None:
    site = embedded()
    page.goto(serve_page(shop, host_page(live_server, site, contact=f"E2E-{next(_numbers)}")))
    frame_url = page.locator(f"{WIDGET} iframe").get_attribute("src")
    assert frame_url is not None
    framing = (
        '<!doctype html><html lang="en"><title>Elsewhere</title>'
        f'<iframe src="{frame_url}" title="Survey"></iframe></html>'
    )
    page.goto(serve_page(other_shop, framing))  # waits for the iframe's load too
    blocked = page.frame_locator("iframe")
    expect(blocked.get_by_role("radio", name="9", exact=True)).to_have_count(0)
    assert not any(frame.url.startswith(live_server) for frame in page.frames)


@pytest.mark.e2e
def test_the_consent_question_comes_first_and_is_recorded_in_the_ledger(
    page: Page, live_app: Flask, live_server: str, shop: HostServer, embedded: MakeEmbedded
) -> None:
    site = embedded(policy=ConsentPolicy.OPT_IN, consent_text="We may ask you about your visit.")
    contact = f"E2E-{next(_numbers)}"
    url = serve_page(shop, host_page(live_server, site, contact=contact))
    first = eligibility_answer(page, url)
    assert first["show"] is True
    assert first["consent_first"] is True

    frame = survey_frame(page)
    expect(frame.get_by_text("We may ask you about your visit.")).to_be_visible()
    expect(frame.get_by_role("radio", name="9", exact=True)).to_have_count(0)
    frame.get_by_role("button", name="Yes, I agree").click()
    expect(frame.get_by_role("radio", name="9", exact=True)).to_be_visible()

    (event,) = stored(
        live_app,
        select(ConsentEvent).join(Contact).where(Contact.external_id == contact),
    )
    assert (event.channel, event.source) == (ConsentChannel.WEB, ConsentSource.WIDGET)
    assert event.text_version_id is not None
    assert event.ip_hash is not None
    assert event.user_agent


@pytest.mark.e2e
def test_host_css_and_widget_css_do_not_touch_each_other(
    new_page: Callable[..., Page], live_server: str, shop: HostServer, embedded: MakeEmbedded
) -> None:
    page = new_page(reduced_motion="reduce")
    site = embedded()
    contact = f"E2E-{next(_numbers)}"
    own_style = (
        "el => { const s = getComputedStyle(el); "
        "return [s.color, s.fontSize, s.fontFamily, s.display, s.visibility, s.backgroundColor]; }"
    )
    own = ("#own-text", "#own-button", "h1", "main", "body")
    bare = host_page(live_server, site, contact=contact, css=HOSTILE_CSS, with_widget=False)
    page.goto(serve_page(shop, bare))
    without_widget = [page.locator(selector).evaluate(own_style) for selector in own]

    page.goto(serve_page(shop, host_page(live_server, site, contact=contact, css=HOSTILE_CSS)))
    close = page.get_by_role("button", name="Close the survey")
    expect(close).to_be_visible()
    expect(page.get_by_role("heading", name="Your feedback")).to_be_visible()

    # The host page's rules reach none of the widget's elements...
    size, colour, visibility = close.evaluate(
        "el => [getComputedStyle(el).fontSize, getComputedStyle(el).color,"
        " getComputedStyle(el.parentElement).visibility]"
    )
    assert size != "40px"
    assert colour != "rgb(255, 0, 0)"
    assert visibility == "visible"
    frame_legend = survey_frame(page).locator("legend").first
    assert frame_legend.evaluate("el => getComputedStyle(el).fontSize") != "40px"
    expect(survey_frame(page).get_by_role("radio", name="9", exact=True)).to_be_visible()
    # ... and reduced motion is respected.
    panel = page.locator(f"{WIDGET} section")
    assert panel.evaluate("el => getComputedStyle(el).animationName") == "none"

    # The widget's rules change nothing on the host page.
    with_widget = [page.locator(selector).evaluate(own_style) for selector in own]
    assert with_widget == without_widget
    assert with_widget[0][:2] == ["rgb(255, 0, 0)", "40px"]  # the page's own rules still hold


@pytest.mark.e2e
def test_the_widget_passes_axe_and_works_with_the_keyboard_alone(
    page: Page,
    live_app: Flask,
    live_server: str,
    shop: HostServer,
    embedded: MakeEmbedded,
    axe: Axe,
) -> None:
    site = embedded(start_minimized=True, theme_colour="#ffd400")
    contact = f"E2E-{next(_numbers)}"
    page.goto(serve_page(shop, host_page(live_server, site, contact=contact)))
    tab = page.get_by_role("button", name="Give feedback")
    expect(tab).to_be_visible()
    axe(page)

    page.locator("#own-button").focus()
    page.keyboard.press("Tab")
    expect(tab).to_be_focused()
    page.keyboard.press("Enter")
    frame = survey_frame(page)
    first = frame.get_by_role("radio", name="0", exact=True)
    expect(first).to_be_focused()
    axe(page)
    handle = page.locator(f"{WIDGET} iframe").element_handle()
    assert handle is not None
    inner = handle.content_frame()
    assert inner is not None
    axe(inner)  # type: ignore[arg-type]  # a Frame evaluates and has a URL, as a Page does
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    expect(frame.get_by_role("radio", name="9", exact=True)).to_be_checked()
    send = frame.get_by_role("button", name="Send", exact=True)
    for _ in range(MAX_TABS):
        if send.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail(f"Send was not reached with {MAX_TABS} presses of Tab")
    page.keyboard.press("Enter")
    expect(frame.get_by_role("heading", name="Thank you")).to_be_focused()

    page.keyboard.press("Escape")
    expect(page.locator(WIDGET)).to_have_count(0)
    expect(page.locator("#own-button")).to_be_focused()
    (response,) = stored(
        live_app,
        select(Response)
        .join(Invitation, Response.invitation_id == Invitation.id)
        .join(Contact, Invitation.contact_id == Contact.id)
        .where(Contact.external_id == contact),
    )
    assert response.score == 9


@pytest.mark.e2e
def test_an_anonymous_visitor_is_recognised_on_the_next_visit(
    page: Page, live_app: Flask, live_server: str, shop: HostServer, embedded: MakeEmbedded
) -> None:
    site = embedded(allow_anonymous=True)
    url = serve_page(shop, host_page(live_server, site, contact=None))
    assert eligibility_answer(page, url)["show"] is True
    expect(page.get_by_role("dialog", name="Your feedback")).to_be_visible()
    visitor = page.evaluate("localStorage.getItem('surveyapp.visitor')")
    assert visitor
    assert len(visitor) == 32
    assert eligibility_answer(page, url)["show"] is False


@pytest.mark.e2e
def test_a_broken_setup_never_breaks_the_host_page(
    page: Page, live_server: str, shop: HostServer
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    html = f"""<!doctype html><html lang="en"><head><title>Shop</title></head>
<body><main><h1>Shop</h1></main>
<script>{STUB}surveyapp.track("e2e.queued");</script>
<script src="{live_server}/static/js/embed.js"></script>
<script>surveyapp.track("e2e.after", {{a: 1}}); surveyapp.identify();
window.pageGoesOn = true;</script>
</body></html>"""
    with page.expect_console_message(lambda m: "data-site" in m.text) as warned:
        page.goto(serve_page(shop, html))
    assert warned.value.type == "warning"
    assert page.evaluate("window.pageGoesOn") is True
    expect(page.locator(WIDGET)).to_have_count(0)
    assert errors == []


@pytest.mark.e2e
def test_a_cx_owner_adds_a_website_and_its_snippet_works_on_the_shop(
    page: Page,
    new_page: Callable[..., Page],
    live_app: Flask,
    live_server: str,
    shop: HostServer,
    make_staff: MakeStaff,
    axe: Axe,
) -> None:
    runtime = get_runtime(live_app)
    event = f"e2e.checkout{next(_numbers)}"
    with session_scope(runtime.session_factory) as session:
        make_web_rule(session, runtime.clock, key=event, policy=ConsentPolicy.OPT_OUT)
    sign_in(page, make_staff(role=Role.CX_OWNER))
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Websites"
    ).click()
    page.get_by_role("link", name="Add website").click()
    axe(page)
    page.get_by_label("Name").fill("E2E shop")
    page.get_by_label("Allowed origins").fill(shop.origin)
    page.get_by_role("button", name="Add website").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Secret of E2E shop")
    axe(page)
    secret = page.locator(".generated-secret").inner_text().strip()
    snippet = page.locator("pre code").inner_text()
    site_key = snippet.split('data-site="')[1].split('"')[0]
    assert len(secret) == 64
    assert site_key.startswith("ws_")
    page.get_by_role("link", name="Continue to the website").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E2E shop")
    expect(page.get_by_text(shop.origin, exact=True).first).to_be_visible()
    axe(page)

    visitor = new_page()
    embedded = Embedded(site_key, secret, event)
    visitor.goto(serve_page(shop, host_page(live_server, embedded, contact="E2E-journey")))
    expect(survey_frame(visitor).get_by_role("radio", name="10", exact=True)).to_be_visible()
