"""Recovery tools in a real browser: a manager ticks a playbook item and records goodwill."""

from __future__ import annotations

import itertools

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from surveyapp.domain.case_recovery import PlaybookTrigger
from surveyapp.domain.case_rules import ScoreBand
from surveyapp.domain.roles import Role
from surveyapp.models import Playbook
from surveyapp.runtime import get_runtime
from surveyapp.services._db import session_scope
from tests.e2e.pages import Axe, MakeStaff, sign_in
from tests.e2e.test_cases import _unhappy_case

_numbers = itertools.count(1)


def _playbook(live_app: Flask) -> str:
    """A playbook for very unhappy customers (the case's band); its name."""
    runtime = get_runtime(live_app)
    name = f"Win them back {next(_numbers)}"
    with session_scope(runtime.session_factory) as session:
        session.add(
            Playbook(
                name=name,
                trigger=PlaybookTrigger.SCORE_BAND,
                score_band=ScoreBand.VERY_UNHAPPY,
                items=["Call the customer within 4 hours", "Offer a voucher"],
                is_active=True,
                created_at=runtime.clock.now(),
                updated_at=runtime.clock.now(),
            )
        )
    return name


@pytest.mark.e2e
def test_a_manager_ticks_a_playbook_item_and_records_goodwill(
    page: Page, live_app: Flask, make_staff: MakeStaff, axe: Axe
) -> None:
    member = make_staff(role=Role.MANAGER)
    case_id = _unhappy_case(live_app, member.email)
    name = _playbook(live_app)
    sign_in(page, member)

    page.goto(f"/cases/{case_id}")
    checklist = page.get_by_role("group", name=f"Playbook: {name}")
    expect(checklist).to_be_visible()
    axe(page)

    checklist.get_by_label("Call the customer within 4 hours").check()
    checklist.get_by_role("button", name="Save the checklist").click()
    expect(page.get_by_role("status").filter(has_text="The checklist was saved.")).to_be_visible()
    checklist = page.get_by_role("group", name=f"Playbook: {name}")
    expect(checklist.get_by_label("Call the customer within 4 hours")).to_be_checked()
    expect(checklist.get_by_label("Offer a voucher")).not_to_be_checked()
    expect(page.locator("#case-timeline")).to_contain_text("Checklist item done")
    expect(page.locator("#case-status")).to_have_text("New")  # not a first action

    page.get_by_label("Kind of goodwill").select_option(label="Voucher")
    page.get_by_label("Amount", exact=True).fill("25,00")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("What was given, and why").fill("A voucher for the late visit")
    page.get_by_role("button", name="Record goodwill").click()
    expect(page.get_by_role("status").filter(has_text="The goodwill was recorded.")).to_be_visible()
    expect(page.locator("#goodwill-list")).to_contain_text("Voucher: 25.00 EUR")
    expect(page.locator("#goodwill-list")).to_contain_text("approved")
    expect(page.locator("#case-timeline")).to_contain_text("Goodwill recorded")
    axe(page)

    page.get_by_label("Amount", exact=True).fill("-5")
    page.get_by_role("button", name="Record goodwill").click()
    expect(page.get_by_role("alert").filter(has_text="at most two decimals")).to_be_visible()
    expect(page.locator("#goodwill-list li")).to_have_count(1)


@pytest.mark.e2e
def test_a_cx_owner_writes_a_playbook_and_staff_pages_pass_axe(
    page: Page, make_staff: MakeStaff, axe: Axe
) -> None:
    member = make_staff(role=Role.CX_OWNER)
    name = f"Apologise first {next(_numbers)}"
    sign_in(page, member)

    page.goto("/cases/playbooks")
    page.get_by_role("link", name="New playbook").click()
    axe(page)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Applies to cases with").select_option(label="a score band")
    page.get_by_label("Score band").select_option("unhappy")
    page.get_by_label("Checklist items").fill("Apologise\nExplain what happens next")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_role("status").filter(has_text=f"The playbook {name} was saved.")
    ).to_be_visible()
    expect(page.get_by_role("row", name=name)).to_contain_text("2")
    axe(page)

    page.get_by_role("link", name="Kudos").click()
    expect(page.get_by_role("heading", name="Kudos", level=2)).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_label("Send me a daily digest of my cases")).to_be_checked()
    axe(page)
