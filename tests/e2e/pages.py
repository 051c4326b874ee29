"""What a person does on the staff pages, as reusable browser steps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from playwright.sync_api import Page, expect

from surveyapp.domain.roles import Role

STAFF_PASSWORD = "e2e password that is long enough"


@dataclass(frozen=True)
class StaffMember:
    """A staff user the browser can sign in as."""

    email: str
    name: str
    password: str = STAFF_PASSWORD


class MakeStaff(Protocol):
    """Creates a committed staff user through the real service (the ``make_staff`` fixture)."""

    def __call__(self, *, role: Role = ..., locale: str | None = ...) -> StaffMember: ...


Axe = Callable[[Page], None]  # the ``axe`` fixture: fails on any WCAG A/AA violation


def fill_sign_in_form(page: Page, email: str, password: str) -> None:
    """Open the sign-in page and submit ``email`` and ``password``."""
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_in(page: Page, member: StaffMember, *, welcome: str = "Welcome, {name}") -> None:
    """Sign in as ``member`` and wait for the home page's greeting."""
    fill_sign_in_form(page, member.email, member.password)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(welcome.format(name=member.name))


def choose_language(page: Page, current: str, wanted: str) -> None:
    """Open the language menu (labelled ``current``) and pick ``wanted``."""
    menu = page.locator("#language-menu")
    expect(menu).to_have_text(current)
    menu.click()
    page.get_by_role("button", name=wanted, exact=True).click()


def sign_out(page: Page, member: StaffMember, sign_out_label: str) -> None:
    """Open the user menu and press the sign-out button."""
    page.locator("#user-menu").filter(has_text=member.name).click()
    page.get_by_role("button", name=sign_out_label, exact=True).click()
