"""Stored XSS in a real browser: pages full of payloads open no dialog and fetch nothing foreign.

The workspace of ``tests/security/xss_scene.py`` (a payload in every user-writable field) is
served by its own app on loopback; Chromium opens the staff case page, the inbox, the survey
page and its thank-you page. Every payload calls ``alert(1)`` or loads from ``evil.invalid``
if it runs, so the test records dialogs and requests. A control page shows the recorder works.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, Request, expect
from werkzeug.serving import make_server

from config import TestConfig
from surveyapp.app import create_app
from surveyapp.domain.clock import FixedClock
from surveyapp.runtime import get_runtime
from surveyapp.services import schema
from surveyapp.services._db import make_engine, session_scope
from tests.e2e.pages import fill_sign_in_form
from tests.factories import DEFAULT_PASSWORD
from tests.security.xss_scene import build_scene

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class HostileSite:
    base_url: str
    admin_email: str
    case_path: str
    survey_path: str


@dataclass
class Recorder:
    """Dialogs a page opened and foreign requests it made."""

    dialogs: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def watch(self, page: Page, base_url: str) -> None:
        page.on("dialog", self._dialog)
        page.on("request", lambda request: self._request(request, base_url))

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _request(self, request: Request, base_url: str) -> None:
        if not request.url.startswith((base_url, "data:", "about:")):
            self.foreign.append(request.url)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileSite]:
    """Its own app and database (the scene's keys would clash with other e2e tests)."""
    directory: Path = tmp_path_factory.mktemp("xss-e2e")
    url = f"sqlite:///{directory / 'xss.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    app = create_app(
        TestConfig(database_url=url, instance_path=directory / "instance"), clock=clock
    )
    runtime = get_runtime(app)
    with session_scope(runtime.session_factory) as session:
        scene = build_scene(session, clock)
        paths = (scene.admin.email, f"/cases/{scene.case.id}", scene.test_link)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="xss-e2e-server", daemon=True)
    thread.start()
    yield HostileSite(f"http://127.0.0.1:{server.server_port}", *paths)
    server.shutdown()
    thread.join()
    server.server_close()
    runtime.engine.dispose()


@pytest.fixture
def hostile_page(browser: Browser, hostile_site: HostileSite) -> Iterator[tuple[Page, Recorder]]:
    context = browser.new_context(base_url=hostile_site.base_url, locale="en-US")
    page = context.new_page()
    recorder = Recorder()
    recorder.watch(page, hostile_site.base_url)
    yield page, recorder
    context.close()


def test_the_recorder_sees_a_live_payload(hostile_page: tuple[Page, Recorder]) -> None:
    page, recorder = hostile_page
    with page.expect_event("dialog"):
        page.set_content("<img src=x onerror=alert(1)>")
    assert recorder.dialogs == ["1"]


def test_staff_and_public_pages_run_no_payload(
    hostile_page: tuple[Page, Recorder], hostile_site: HostileSite
) -> None:
    page, recorder = hostile_page
    fill_sign_in_form(page, hostile_site.admin_email, DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.goto(hostile_site.case_path)
    expect(page.get_by_text("[case-note] <script>alert(1)</script>")).to_be_visible()
    page.goto("/cases/?view=all")
    page.goto(hostile_site.survey_path)
    expect(page.get_by_text("[intro] <script>alert(1)</script>")).to_be_visible()
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Send").first.click()
    expect(page.get_by_text("[thank-you] <script>alert(1)</script>")).to_be_visible()
    page.wait_for_load_state("networkidle")

    assert recorder.dialogs == []
    assert recorder.foreign == []
