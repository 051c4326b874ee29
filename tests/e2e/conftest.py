"""End-to-end fixtures: the real app on a live server, driven by headless Chromium."""

from __future__ import annotations

import itertools
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright
from werkzeug.serving import make_server

from config import TestConfig
from surveyapp.app import create_app
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.runtime import get_runtime
from surveyapp.services import schema, users
from surveyapp.services._db import make_engine, session_scope
from tests.e2e.pages import Axe, MakeStaff, StaffMember

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = PROJECT_ROOT / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
AXE_TIMEOUT_MS = 60_000
AXE_RUN = """([options, timeout]) => Promise.race([
    axe.run(document, options),
    new Promise((_, reject) => setTimeout(() => reject(new Error("axe.run timed out")), timeout)),
])"""
CHROMIUM_ENV = "SURVEYAPP_TEST_CHROMIUM"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)
_numbers = itertools.count(1)


def _unavailable(reason: str) -> NoReturn:
    """Fail under ``CI=true`` (a missing tool must not pass silently there), skip otherwise."""
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _chromium_executable() -> str:
    """The system Chromium (``SURVEYAPP_TEST_CHROMIUM`` overrides the one on ``PATH``)."""
    executable = os.environ.get(CHROMIUM_ENV) or shutil.which("chromium")
    if not executable:
        _unavailable(f"Chromium not found: install the chromium package or set {CHROMIUM_ENV}.")
    return executable


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on a fresh, migrated SQLite file that every thread sees committed data in."""
    directory = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{directory / 'e2e.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    app = create_app(
        # No widget cache: tests change the workspace's web consent policy one after another,
        # and a policy cached from the previous test changed what the next one was shown.
        TestConfig(database_url=url, instance_path=directory / "instance", embed_cache_seconds=0),
        clock=clock,
    )
    yield app
    get_runtime(app).engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve ``live_app`` on a free loopback port in a daemon thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def make_staff(live_app: Flask) -> MakeStaff:
    """Create staff users with unique emails, committed before the browser signs in."""
    runtime = get_runtime(live_app)

    def make(*, role: Role = Role.ADMIN, locale: str | None = None) -> StaffMember:
        number = next(_numbers)
        member = StaffMember(email=f"e2e-{number}@example.com", name=f"Erika Muster {number}")
        with session_scope(runtime.session_factory) as session:
            users.create_user(
                session,
                email=member.email,
                name=member.name,
                role=role,
                password=member.password,
                clock=runtime.clock,
                actor=None,
                locale=locale,
            )
        return member

    return make


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run."""
    executable = _chromium_executable()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser, live_server: str) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh contexts (own cookies) on the live server; closed after the test."""
    contexts: list[BrowserContext] = []

    def open_page(viewport: ViewportSize = DESKTOP, **options: Any) -> Page:
        context = browser.new_context(
            base_url=live_server, locale="en-US", viewport=viewport, **options
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A desktop-sized page in an English-speaking browser."""
    return new_page()


@pytest.fixture
def phone_page(new_page: Callable[..., Page]) -> Page:
    """A phone-sized page (390x844) in an English-speaking browser."""
    return new_page(PHONE, is_mobile=True, has_touch=True)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core script that ``make test`` installs."""
    if not AXE_SCRIPT.is_file():
        _unavailable(
            f"axe-core is missing at {AXE_SCRIPT.relative_to(PROJECT_ROOT)}: run `make test` "
            "or `npm install --prefix .venv/node axe-core@4.14.1`."
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


def _describe_node(node: dict[str, Any]) -> str:
    target = ", ".join(map(str, node["target"]))
    summary = " ".join(str(node.get("failureSummary") or "").split())
    return f"    at {target}: {summary}" if summary else f"    at {target}"


def _describe(violation: dict[str, Any]) -> str:
    lines = [f"- {violation['id']} ({violation['impact']}): {violation['help']}"]
    lines += [_describe_node(node) for node in violation["nodes"]]
    lines.append(f"    see {violation['helpUrl']}")
    return "\n".join(lines)


@pytest.fixture
def axe(axe_source: str) -> Axe:
    """Check the page against WCAG 2.0/2.1 A and AA; fail listing every violation."""

    def check(page: Page) -> None:
        page.evaluate(axe_source)  # a <script> tag would be blocked by the CSP (script-src 'self')
        # evaluate has no timeout of its own: a stuck axe.run must fail the test, not hang it.
        options = {"runOnly": {"type": "tag", "values": list(AXE_TAGS)}}
        results = page.evaluate(AXE_RUN, [options, AXE_TIMEOUT_MS])
        violations = results["violations"]
        report = "\n".join(_describe(violation) for violation in violations)
        assert not violations, f"axe found WCAG A/AA violations on {page.url}:\n{report}"

    return check
