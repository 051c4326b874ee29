"""A CX owner downloads the dashboard's PDF and subscribes to a team's report, in Chromium."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from surveyapp.domain.roles import Role
from surveyapp.runtime import get_runtime
from surveyapp.services import teams
from surveyapp.services._db import session_scope
from tests.e2e.pages import Axe, MakeStaff, sign_in


@pytest.mark.e2e
def test_download_the_pdf_then_subscribe_and_unsubscribe(
    page: Page, make_staff: MakeStaff, live_app: Flask, axe: Axe
) -> None:
    runtime = get_runtime(live_app)
    with session_scope(runtime.session_factory) as session:
        teams.create_team(session, name="E2E Reports Team", clock=runtime.clock, actor=None)
    member = make_staff(role=Role.CX_OWNER)
    sign_in(page, member)

    page.goto("/reports/?date_from=2026-02-01&date_to=2026-02-28")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "feedback-report-2026-02-01-to-2026-02-28.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.get_by_role("link", name="Report subscriptions", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report subscriptions")
    axe(page)
    page.get_by_label("Report about").select_option(label="E2E Reports Team")
    page.get_by_label("Monthly, on the 1st at 07:00").check()
    page.get_by_label("Time zone").select_option("Europe/Vienna")
    page.get_by_role("button", name="Subscribe", exact=True).click()

    row = page.get_by_role("row").filter(has_text="E2E Reports Team")
    expect(row).to_contain_text("Monthly, on the 1st at 07:00")
    expect(row).to_contain_text("4/1/26, 7:00")  # next 1st, 07:00 in Vienna
    axe(page)
    row.get_by_role("button", name="Unsubscribe E2E Reports Team").click()
    expect(page.get_by_text("You do not receive any report yet.")).to_be_visible()
