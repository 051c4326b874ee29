"""WeasyPrint fetches only the app's static files; a PDF build has a time and memory bound.

A loopback web server records every request it gets (and answers each with a redirect to a
local file); every test that could reach it asserts it got none. Content a foreign file would
add to the PDF (a stylesheet writing a marker) is checked in the extracted text, next to a
control build with WeasyPrint's own fetcher that shows the same file *would* show up.
"""

from __future__ import annotations

import http.server
import io
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session
from weasyprint import HTML, URLFetcher

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.services import touchpoints
from surveyapp.services.reporting import pdf, report_content
from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.services.reporting.pdf import (
    BASE_URL,
    STATIC_DIR,
    BuildLimits,
    ReportBuildAborted,
    html_to_pdf,
)
from tests.conftest import AuthActions
from tests.factories import make_case, make_published_survey, make_response, make_team, make_user

PERIOD = ReportFilters(date_from=date(2026, 2, 2), date_to=date(2026, 3, 1))
MARKER = "LEAKED-FILE-CONTENT"


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 -- shared on purpose: the server makes one per request

    def do_GET(self) -> None:
        self.hits.append(self.path)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        body = f'body::before {{ content: "{MARKER}" }}'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


@dataclass
class Server:
    url: str
    hits: list[str]


@pytest.fixture
def server() -> Iterator[Server]:
    """A web server on loopback that records every request it gets."""
    _RecordingHandler.hits = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _RecordingHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", _RecordingHandler.hits)
    httpd.shutdown()
    httpd.server_close()


def _text(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


def _hostile_markup(url: str, outside_css: Path) -> str:
    """Every way markup can ask WeasyPrint for a resource, pointing outside static/."""
    traversal = STATIC_DIR.as_uri() + "/fonts/" + "../" * 12 + str(outside_css).lstrip("/")
    encoded = STATIC_DIR.as_uri() + "/fonts/" + "%2e%2e/" * 12 + str(outside_css).lstrip("/")
    return (
        f'<html><head><link rel="stylesheet" href="{url}/link.css">'
        f'<link rel="stylesheet" href="{url}/redirect/link.css">'
        f'<link rel="stylesheet" href="{traversal}"><link rel="stylesheet" href="{encoded}">'
        f'<link rel="stylesheet" href="{outside_css.as_uri()}">'
        f'<style>@import url("{url}/import.css"); @import "{url}/redirect/import.css";'
        f'@import "{outside_css.as_uri()}"; @import "{traversal}";'
        f'body {{ background: url("{url}/background.png") }}'
        f'@font-face {{ font-family: X; src: url("{url}/font.ttf") }}</style></head>'
        f'<body style="font-family: X"><p>visible text</p><img src="{url}/img.png">'
        f'<img src="https://evil.invalid/x.png"><img src="file:///etc/passwd">'
        f'<object data="{url}/object.svg"></object><embed src="{url}/embed.svg">'
        f'<iframe src="{url}/frame.html"></iframe><a href="javascript:alert(1)">link</a>'
        f'<svg><image href="{url}/svg.png"/></svg></body></html>'
    )


def test_hostile_markup_fetches_nothing_and_shows_no_foreign_file(
    server: Server, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.css"
    outside.write_text(f'body::after {{ content: "{MARKER}" }}')

    document = html_to_pdf(_hostile_markup(server.url, outside))

    assert server.hits == []
    text = _text(document)
    assert "visible text" in text
    assert MARKER not in text
    assert "root:" not in text


def test_control_weasyprint_alone_would_fetch_them(server: Server, tmp_path: Path) -> None:
    # Shows the attack above is real: WeasyPrint's own fetcher reads both the server and the
    # file outside static/, so the zero hits above are the StaticOnlyFetcher's doing.
    outside = tmp_path / "outside.css"
    outside.write_text(f'body::after {{ content: "{MARKER}" }}')

    markup = (
        f'<link rel="stylesheet" href="{server.url}/link.css">'
        f'<link rel="stylesheet" href="{outside.as_uri()}"><p>visible text</p>'
    )

    document = HTML(
        string=markup,
        base_url=BASE_URL,
        url_fetcher=URLFetcher(),
    ).write_pdf()

    assert server.hits == ["/link.css"]
    assert _text(document).count(MARKER) == 2  # one from the server, one from the file


def test_user_text_in_a_report_is_printed_literally_and_fetches_nothing(
    session: Session, clock: FixedClock, server: Server
) -> None:
    hostile = (
        f'<link rel=stylesheet href="{server.url}/t.css"><style>@import "{server.url}/i.css";'
        f'</style><img src="{server.url}/i.png" style="background:url({server.url}/u.png)">'
        f"url({server.url}/bare.css) file:///etc/passwd"
    )
    team = make_team(session, name=f"Team {hostile}"[:120])
    owner = make_user(session, role=Role.AGENT, name=f"Owner {hostile}"[:120], teams=[team])
    touchpoint = touchpoints.create_touchpoint(
        session, key="pdf.hostile", name=f"Touchpoint {hostile}"[:120], clock=clock, actor=owner
    )
    _survey, version = make_published_survey(session)
    response = make_response(
        session,
        version,
        score=1,
        comment=f"Comment {hostile}",
        started_at=datetime(2026, 2, 10, tzinfo=UTC),
    )
    case = make_case(session, response, team=team, owner=owner)
    case.touchpoint_id = touchpoint.id
    session.flush()
    content = report_content.build_report(
        session, PERIOD, title=team.name, timezone="UTC", clock=clock
    )

    document = report_content.render_report(content, locale="en")

    assert server.hits == []
    text = _text(document)
    # The customer's, team's, touchpoint's and owner's words, as they wrote them.
    for start in ("Comment <link", "Team <link", "Touchpoint <link", "Owner <link"):
        assert start in text
    assert "root:" not in text
    links = [
        annotation.get_object().get("/A", {}).get("/URI", "")
        for page in PdfReader(io.BytesIO(document)).pages
        for annotation in page.get("/Annots", [])
    ]
    assert not [link for link in links if "javascript" in str(link).lower()]


def test_a_report_past_its_time_bound_is_aborted_with_a_clear_error() -> None:
    with pytest.raises(ReportBuildAborted) as raised:
        html_to_pdf("<p>" + "slow " * 20_000 + "</p>", limits=BuildLimits(seconds=0.01))

    assert raised.value.message == pdf.TOO_SLOW
    assert raised.value.status == 503


# Run in a fresh interpreter: the bound counts from the process's size at the fork, and the
# suite's own large, partly free heap would let the build reuse freed memory under the bound.
MEMORY_BOUND_SCRIPT = """
from surveyapp.services.reporting import pdf
try:
    pdf.html_to_pdf("<p>" + "big " * 100_000 + "</p>", limits=pdf.BuildLimits(memory_bytes=2 << 20))
except pdf.ReportBuildAborted as aborted:
    print("aborted:", aborted.message == pdf.TOO_BIG)
else:
    print("built")
"""


def test_a_report_past_its_memory_bound_is_aborted_with_a_clear_error() -> None:
    run = subprocess.run(
        [sys.executable, "-c", MEMORY_BOUND_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )

    assert run.stdout.strip() == "aborted: True", run.stderr[-2000:]


def test_html_past_its_size_bound_is_refused_before_any_build() -> None:
    with pytest.raises(ReportBuildAborted) as raised:
        html_to_pdf("<p>" + "x" * 1000 + "</p>", limits=BuildLimits(html_chars=500))

    assert raised.value.message == pdf.TOO_BIG


def test_a_normal_report_builds_within_modest_bounds(session: Session, clock: FixedClock) -> None:
    _survey, version = make_published_survey(session)
    for day in range(2, 28):
        make_response(
            session,
            version,
            score=day % 11,
            comment=f"Comment of day {day}",
            started_at=datetime(2026, 2, day, tzinfo=UTC),
        )
    content = report_content.build_report(
        session, PERIOD, title="Support", timezone="UTC", clock=clock
    )
    html = pdf.render_report_html(
        report_content.TEMPLATE, report_content.report_context(content, locale="en"), locale="en"
    )

    document = html_to_pdf(html, limits=BuildLimits(seconds=30, memory_bytes=256 << 20))

    assert "Feedback report: Support" in _text(document)


def test_the_download_page_answers_503_when_the_bound_trips(
    client: FlaskClient, auth: AuthActions, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.login_as(Role.ADMIN)
    monkeypatch.setattr(pdf, "DEFAULT_LIMITS", BuildLimits(seconds=0.001))

    response = client.get("/reports/pdf?date_from=2026-02-02&date_to=2026-03-01")

    assert response.status_code == 503
    assert "took too long to build" in response.get_data(as_text=True)
