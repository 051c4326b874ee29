"""The reports dashboard in a real browser: changing a filter changes the figures."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from surveyapp.domain.roles import Role
from surveyapp.runtime import get_runtime
from surveyapp.services._db import session_scope
from surveyapp.services.reporting import rollups
from tests.e2e.pages import Axe, MakeStaff, sign_in
from tests.services.reporting.scene import make_scene

pytestmark = pytest.mark.e2e

# Months no other browser test writes answers in: one per test, as the live app is shared.
JUNE_2025 = "/reports/?date_from=2025-06-01&date_to=2025-06-30"
JULY_2025 = "/reports/?date_from=2025-07-01&date_to=2025-07-31"


def _seed_answers(app: Flask, month: int) -> str:
    """NPS 0 over both touchpoints, 50 at the support touchpoint; its name is returned."""
    runtime = get_runtime(app)
    with session_scope(runtime.session_factory) as session:
        scene = make_scene(session)
        for score in (10, 10, 9, 3):
            scene.answer(scene.support, score, date(2025, month, 3), comment="Quick and friendly")
        for score in (0, 1, 8):
            scene.answer(scene.billing, score, date(2025, month, 4))
        rollups.rebuild_rollups(session, clock=runtime.clock)
        return scene.support.name


def test_changing_the_touchpoint_filter_changes_the_figures(
    page: Page, live_app: Flask, make_staff: MakeStaff, axe: Axe
) -> None:
    touchpoint = _seed_answers(live_app, 6)
    sign_in(page, make_staff(role=Role.CX_OWNER))

    page.goto(JUNE_2025)
    nps_tile = page.locator('[data-metric="nps"]')
    expect(nps_tile.locator(".kpi-value")).to_have_text("0.0")
    expect(nps_tile).to_contain_text("7 answers")
    expect(page.get_by_role("img", name="NPS per week")).to_be_visible()
    axe(page)

    page.get_by_label("Touchpoint").select_option(label=touchpoint)
    page.get_by_role("button", name="Apply filters").click()

    expect(nps_tile.locator(".kpi-value")).to_have_text("50.0")
    expect(nps_tile).to_contain_text("4 answers")
    expect(page.get_by_label("Touchpoint")).to_have_value(
        page.url.split("touchpoint_id=")[1].split("&")[0]
    )

    nps_tile.get_by_role("link", name="4 answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Responses behind the figures")
    expect(page.get_by_role("cell", name="Quick and friendly")).to_have_count(4)


def test_dashboard_fits_a_phone_and_passes_axe(
    phone_page: Page, live_app: Flask, make_staff: MakeStaff, axe: Axe
) -> None:
    _seed_answers(live_app, 7)
    sign_in(phone_page, make_staff(role=Role.CX_OWNER))

    phone_page.goto(JULY_2025)

    expect(phone_page.locator('[data-metric="nps"]')).to_be_visible()
    overflow = phone_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    axe(phone_page)
    for path in ("/reports/journey", "/reports/improvements", "/reports/review"):
        phone_page.goto(path)
        axe(phone_page)
