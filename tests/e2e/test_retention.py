"""The retention settings page as an admin uses it: reached from the admin tabs, accessible."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from surveyapp.domain.roles import Role
from tests.e2e.pages import Axe, MakeStaff, sign_in


@pytest.mark.e2e
def test_admin_sets_retention_periods_and_the_page_meets_wcag_a_and_aa(
    page: Page, make_staff: MakeStaff, axe: Axe
) -> None:
    sign_in(page, make_staff(role=Role.ADMIN))
    page.goto("/admin/users")
    page.get_by_role("link", name="Retention", exact=True).click()
    expect(page.get_by_role("heading", name="Retention periods")).to_be_visible()
    free_text = page.get_by_role("group", name="Free-text answers")
    expect(free_text.get_by_label("Days")).to_have_value("730")
    expect(
        page.get_by_role("group", name="Contacts without activity").get_by_label("Keep forever")
    ).to_be_checked()
    expect(page.get_by_role("row", name="Free-text answers")).to_contain_text("730 days")
    axe(page)

    outbox = page.get_by_role("group", name="Bodies of sent messages")
    outbox.get_by_label("Days").fill("3")
    page.get_by_role("button", name="Save retention periods").click()
    expect(page.get_by_role("alert")).to_have_text("Please correct the marked fields.")
    days = page.get_by_role("group", name="Bodies of sent messages").get_by_label("Days")
    expect(days).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Enter a number of days from 7 to 3650.")).to_be_visible()
    axe(page)

    days.fill("60")
    page.get_by_role("button", name="Save retention periods").click()
    expect(page.get_by_text("Retention periods saved.")).to_be_visible()
    saved = page.get_by_role("group", name="Bodies of sent messages").get_by_label("Days")
    expect(saved).to_have_value("60")
    row = page.get_by_role("row", name="Bodies of sent messages")
    expect(row.get_by_role("cell").first).to_have_text("60 days")
