"""A rule's response rate by segment, as a CX owner reaches it in the browser."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.runtime import get_runtime
from surveyapp.services._db import session_scope
from tests.e2e.pages import Axe, MakeStaff, sign_in
from tests.factories import make_segmented_rule


@pytest.mark.e2e
def test_segment_rates_open_from_the_rule_and_meet_wcag_a_and_aa(
    page: Page, live_app: Flask, make_staff: MakeStaff, axe: Axe
) -> None:
    runtime = get_runtime(live_app)
    assert isinstance(runtime.clock, FixedClock)
    with session_scope(runtime.session_factory) as session:
        rule_id = make_segmented_rule(session, runtime.clock).id
    sign_in(page, make_staff(role=Role.CX_OWNER))
    page.goto(f"/touchpoints/rules/{rule_id}")
    page.get_by_role("link", name="Response rate by segment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Response rate by segment: Delivered")
    north = page.locator('tr[data-segment="north"]')
    expect(north.locator("td")).to_have_text(["50.0%", "4", "2", "50.0%"])
    axe(page)

    page.get_by_label("Contact attribute").fill("plan")
    page.get_by_role("button", name="Show").click()
    expect(page.locator('tr[data-segment="pro"] td')).to_have_text(["100.0%", "7", "4", "57.1%"])
