"""Staff sign in, switch language and find their way around, in a real browser."""

from __future__ import annotations

import re
from typing import NamedTuple

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.pages import (
    Axe,
    MakeStaff,
    StaffMember,
    choose_language,
    fill_sign_in_form,
    sign_in,
    sign_out,
)

SIGN_IN_FAILED = "Email or password is not correct, or the account is inactive."
WELCOME = {None: "Welcome, {name}", "de": "Willkommen, {name}"}


class StaffPage(NamedTuple):
    """A page a signed-in admin opens, the heading it shows and the admin's language."""

    path: str
    heading: str
    locale: str | None = None


def expect_german_home(page: Page, member: StaffMember) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Willkommen, {member.name}")
    expect_german_navigation(page)


def expect_german_navigation(page: Page) -> None:
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    expect(navigation.get_by_role("link", name="Umfragen", exact=True)).to_be_visible()
    expect(navigation.get_by_role("link", name="Fälle", exact=True)).to_be_visible()
    expect(page.locator("#language-menu")).to_have_text("Deutsch")


def collect_console_errors(page: Page) -> list[str]:
    """Record what the browser reports as errors (a CSP block shows up here)."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.mark.e2e
def test_language_choice_is_kept_on_the_account(page: Page, make_staff: MakeStaff) -> None:
    member = make_staff()
    sign_in(page, member)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")

    choose_language(page, current="English", wanted="Deutsch")
    expect_german_home(page, member)

    page.reload()
    expect_german_home(page, member)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Fälle").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Fälle")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect_german_navigation(page)

    sign_out(page, member, sign_out_label="Abmelden")
    expect(page).to_have_url(re.compile(r"/login$"))
    # Signed out, the browser's language applies again: the choice belongs to the account.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    sign_in(page, member, welcome=WELCOME["de"])
    expect_german_home(page, member)


@pytest.mark.e2e
def test_wrong_password_shows_the_error_on_the_sign_in_page(
    page: Page, make_staff: MakeStaff
) -> None:
    member = make_staff()
    fill_sign_in_form(page, member.email, "this is not the password")

    expect(page.get_by_role("alert")).to_have_text(SIGN_IN_FAILED)
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to surveyapp")
    expect(page.get_by_label("Email", exact=True)).to_have_value(member.email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")


@pytest.mark.e2e
def test_phone_navigation_collapses_into_a_toggler(phone_page: Page, make_staff: MakeStaff) -> None:
    page = phone_page
    errors = collect_console_errors(page)
    member = make_staff()
    sign_in(page, member)
    links = page.locator("#nav-main")
    toggler = page.get_by_role("button", name="Toggle navigation")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(links).to_be_hidden()

    toggler.click()

    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(links).to_be_visible()
    navigation = page.get_by_role("navigation", name="Main navigation")
    navigation.get_by_role("link", name="Surveys", exact=True).click()
    expect(page).to_have_url(re.compile(r"/surveys/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Surveys")
    assert errors == []


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("path", "heading"),
    [
        pytest.param("/login", "Sign in to surveyapp", id="login"),
        pytest.param("/no-such-page", "Page not found", id="not-found"),
    ],
)
def test_public_page_meets_wcag_a_and_aa(page: Page, axe: Axe, path: str, heading: str) -> None:
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    axe(page)


@pytest.mark.e2e
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(StaffPage("/", "Welcome, {name}"), id="home-en"),
        pytest.param(StaffPage("/", "Willkommen, {name}", locale="de"), id="home-de"),
        pytest.param(StaffPage("/account", "My account"), id="account"),
        pytest.param(StaffPage("/admin/users", "Administration"), id="admin-users"),
        pytest.param(StaffPage("/admin/users/new", "Administration"), id="add-user"),
        pytest.param(StaffPage("/no-such-page", "Page not found"), id="not-found"),
    ],
)
def test_staff_page_meets_wcag_a_and_aa(
    page: Page, make_staff: MakeStaff, axe: Axe, case: StaffPage
) -> None:
    member = make_staff(locale=case.locale)
    sign_in(page, member, welcome=WELCOME[case.locale])
    page.goto(case.path)
    heading = case.heading.format(name=member.name)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    axe(page)


@pytest.mark.e2e
def test_add_user_form_with_errors_meets_wcag_a_and_aa(
    page: Page, make_staff: MakeStaff, axe: Axe
) -> None:
    sign_in(page, make_staff())
    page.goto("/admin/users/new")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text("Please correct the marked fields.")
    expect(page.get_by_label("Email", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    axe(page)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("path", "heading"),
    [
        pytest.param("/", "Welcome, {name}", id="home"),
        pytest.param("/admin/users", "Administration", id="admin-users"),
        pytest.param("/admin/audit", "Administration", id="audit-trail"),
    ],
)
def test_phone_page_meets_wcag_a_and_aa(
    phone_page: Page, make_staff: MakeStaff, axe: Axe, path: str, heading: str
) -> None:
    member = make_staff()
    sign_in(phone_page, member)
    phone_page.goto(path)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text(
        heading.format(name=member.name)
    )
    axe(phone_page)
