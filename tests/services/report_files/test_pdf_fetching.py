"""WeasyPrint may read the app's static files only: nothing remote, no other file, no redirect."""

from __future__ import annotations

import http.server
import io
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session
from weasyprint import HTML

from surveyapp.domain.clock import FixedClock
from surveyapp.services.reporting import report_content
from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.services.reporting.pdf import BASE_URL, STATIC_DIR, RefusedUrl, StaticOnlyFetcher
from tests.factories import make_published_survey, make_response


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 -- shared on purpose: the server makes one per request

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(302)  # a redirect to a local file, should anything follow it
        self.send_header("Location", "file:///etc/hostname")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def web_server() -> Iterator[tuple[str, list[str]]]:
    """A web server on loopback that records every request it gets."""
    _CountingHandler.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _CountingHandler.hits
    server.shutdown()
    server.server_close()


def test_urls_in_a_customers_comment_are_shown_as_text_and_never_fetched(
    session: Session, web_server: tuple[str, list[str]]
) -> None:
    url, hits = web_server
    comment = (
        f'<img src="{url}/comment.png"><link rel="stylesheet" href="file:///etc/passwd">'
        f'<style>@import "{url}/x.css";</style>'
    )
    _survey, version = make_published_survey(session)
    make_response(
        session, version, score=1, comment=comment, started_at=datetime(2026, 2, 9, tzinfo=UTC)
    )
    clock = FixedClock(datetime(2026, 3, 2, tzinfo=UTC))
    filters = ReportFilters(date_from=date(2026, 2, 2), date_to=date(2026, 3, 1))
    content = report_content.build_report(
        session, filters, title=f'<img src="{url}/title.png">', timezone="UTC", clock=clock
    )

    pdf = report_content.render_report(content, locale="en")

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert hits == []
    assert "comment.png" in text  # shown as the customer wrote it
    assert "title.png" in text
    assert "root:" not in text


def test_the_fetcher_refuses_remote_and_foreign_urls_even_in_trusted_markup(
    web_server: tuple[str, list[str]],
) -> None:
    url, hits = web_server
    markup = (
        f'<img src="{url}/a.png"><img src="https://example.invalid/b.png">'
        '<img src="file:///etc/hostname"><img src="ftp://127.0.0.1/c.png">'
        f'<link rel="stylesheet" href="{url}/d.css"><p>text</p>'
    )

    pdf = HTML(string=markup, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).write_pdf()

    assert pdf is not None
    assert hits == []


def test_static_files_and_data_urls_are_served() -> None:
    fetcher = StaticOnlyFetcher()
    font = STATIC_DIR / "fonts" / "DejaVuSans.ttf"

    served = fetcher.fetch(font.as_uri())
    inline = fetcher.fetch("data:text/plain;base64,aGVsbG8=")

    assert served.read() == font.read_bytes()
    assert inline.read() == b"hello"


@pytest.mark.parametrize(
    "url",
    [
        (STATIC_DIR / "fonts" / ".." / ".." / "config.py").as_uri(),
        STATIC_DIR.as_uri() + "/fonts/%2E%2E/%2E%2E/config.py",  # encoded dots
        "file:///etc/hostname",
        "file://otherhost" + str(STATIC_DIR / "fonts" / "DejaVuSans.ttf"),
        "http://127.0.0.1:9/x",
        "https://example.com/x.png",
        "javascript:alert(1)",
    ],
)
def test_anything_outside_static_is_refused(url: str) -> None:
    with pytest.raises(RefusedUrl):
        StaticOnlyFetcher().fetch(url)


def test_a_symlink_out_of_static_is_refused(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (static / "link.txt").symlink_to(secret)

    with pytest.raises(RefusedUrl):
        StaticOnlyFetcher(static).fetch((static / "link.txt").as_uri())
