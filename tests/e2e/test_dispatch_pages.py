"""An admin finds a failed send from the sending queue and replays it, in the browser."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock, FixedClock
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState
from surveyapp.domain.tokens import generate_token, hash_token
from surveyapp.models import Channel, Invitation
from surveyapp.runtime import get_runtime
from surveyapp.services._db import session_scope
from tests.e2e.pages import Axe, MakeStaff, sign_in
from tests.factories import make_contact, make_outbox_message, make_published_survey

_numbers = itertools.count(1)


def _dead_letter(session: Session, clock: Clock, name: str, state: InvitationState) -> int:
    """An email invitation to a new contact, left failed or uncertain by the sender."""
    number = next(_numbers)
    _, version = make_published_survey(session, name=f"E2E dispatch survey {number}")
    contact = make_contact(session, external_id=f"E2E-DISPATCH-{number}", name=name)
    invitation = Invitation(
        token_hash=hash_token(generate_token()),
        survey_version_id=version.id,
        contact_id=contact.id,
        channel=Channel.EMAIL,
        state=state,
        send_at=clock.now(),
        created_at=clock.now(),
        expires_at=clock.now() + timedelta(days=14),
        attempts=1,
        last_error="550 5.7.1 Relaying denied" if state == InvitationState.FAILED else None,
    )
    session.add(invitation)
    session.flush()
    return invitation.id


@pytest.mark.e2e
def test_admin_replays_a_failed_send_from_the_dead_letters_and_pages_meet_wcag(
    page: Page, live_app: Flask, make_staff: MakeStaff, axe: Axe
) -> None:
    runtime = get_runtime(live_app)
    with session_scope(runtime.session_factory) as session:
        failed_id = _dead_letter(session, runtime.clock, "Frieda Failed", InvitationState.FAILED)
        _dead_letter(session, runtime.clock, "Uwe Uncertain", InvitationState.UNCERTAIN)
    sign_in(page, make_staff(role=Role.ADMIN))

    navigation = page.get_by_role("navigation", name="Main navigation")
    # The entry names the dead letters in words: "Mail delivery 2 failed or uncertain".
    entry = re.compile(r"^Mail delivery \d+ failed or uncertain$")
    navigation.get_by_role("link", name=entry).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sending queue")
    failed_row = page.locator('#state-counts tr[data-state="failed"]')
    expect(failed_row.get_by_role("rowheader")).to_have_text("Failed")
    expect(page.locator("#failures")).to_contain_text("550 5.7.1 Relaying denied")
    axe(page)

    page.get_by_role("link", name="Failed and uncertain").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Failed and uncertain sends")
    expect(page.locator("#dead-letter-help")).to_contain_text("may already have arrived")
    axe(page)

    page.get_by_role("button", name="Replay for Frieda Failed").click()
    expect(page.get_by_role("status").filter(has_text="queued again")).to_have_text(
        "1 invitation was queued again."
    )
    replayed_row = page.locator(f'#invitation-dead-letters tr[data-invitation="{failed_id}"]')
    expect(replayed_row).to_have_count(0)
    expect(page.get_by_role("button", name="Replay for Uwe Uncertain")).to_be_visible()

    page.goto(f"/dispatch/invitations/{failed_id}")
    expect(page.locator("#timeline tr[data-kind='replayed']")).to_have_count(1)
    axe(page)


@pytest.mark.e2e
def test_the_outbox_shows_a_message_with_its_html_in_a_frame_that_runs_nothing(
    page: Page, live_app: Flask, make_staff: MakeStaff, axe: Axe
) -> None:
    runtime = get_runtime(live_app)
    assert isinstance(runtime.clock, FixedClock)
    html = "<p style='color:#0a58ca'>Hallo <b>Ada</b></p><script>document.title='ran'</script>"
    with session_scope(runtime.session_factory) as session:
        make_outbox_message(session, runtime.clock, subject="E2E outbox message", html=html)
    sign_in(page, make_staff(role=Role.CX_OWNER))
    page.goto("/outbox/")
    page.get_by_role("link", name="E2E outbox message").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E2E outbox message")
    frame = page.frame_locator("iframe.outbox-html")
    expect(frame.locator("b")).to_have_text("Ada")  # CSP and sandbox still let it render
    expect(frame.locator("p")).to_have_css("color", "rgb(10, 88, 202)")  # inline style allowed
    assert frame.locator("html").evaluate("() => document.title") == ""  # script blocked
    expect(page.locator("#text-part")).to_contain_text("http://localhost/s/abc?score=9")
    axe(page)
