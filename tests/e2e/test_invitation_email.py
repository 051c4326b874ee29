"""A customer clicks a score in the email that reached the SMTP server and answers in Chromium."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from surveyapp.domain.clock import FixedClock
from surveyapp.runtime import get_runtime
from surveyapp.services._db import session_scope
from surveyapp.services.dispatch import sending
from surveyapp.services.mail.transport import SmtpTransport
from tests.e2e.test_public_survey import stored_response
from tests.factories import make_dispatch_rule, plan_invitation
from tests.smtp_sink import SmtpSink

HREF = re.compile(r'href="([^"]+/s/([^"/?]+)\?score=(\d+))"')


@pytest.mark.e2e
def test_the_score_clicked_in_the_email_is_chosen_and_the_answer_stored(
    page: Page, live_app: Flask, live_server: str, smtp_sink: SmtpSink
) -> None:
    runtime = get_runtime(live_app)
    assert isinstance(runtime.clock, FixedClock)
    with session_scope(runtime.session_factory) as session:
        make_dispatch_rule(session, runtime.clock)
        plan_invitation(session, runtime.clock, "T-e2e-1", contact="C-e2e-1", locale="de")
    settings = sending.DispatchSettings(
        worker_id="e2e",
        base_url=live_server,
        sender="surveys@localhost",
        domain="localhost",
        secret=str(runtime.config.secret_key),
    )
    with live_app.app_context():
        tally = sending.run_round(
            runtime.session_factory,
            lambda: SmtpTransport(smtp_sink.url, timeout=5),
            settings=settings,
            clock=runtime.clock,
        )
    assert tally["sent"] >= 1  # other tests' due invitations share the live database
    (mail,) = [r for r in smtp_sink.received if r.recipients == ["c-e2e-1@example.com"]]
    html = mail.message.get_body(preferencelist=("html",))
    assert html is not None
    links = {int(score): (url, token) for url, token, score in HREF.findall(html.get_content())}
    assert sorted(links) == list(range(11))

    url, token = links[9]
    page.goto(url.replace("&amp;", "&"))

    expect(page.get_by_role("radio", name="9", exact=True)).to_be_checked()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_role("button", name="Senden", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vielen Dank")
    response = stored_response(live_app, token)
    assert response is not None
    assert response.score == 9
