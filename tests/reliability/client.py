"""A plain HTTP client for runs against a served app: one request, its status or its failure."""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from tests.reliability.scenario import Workspace, answer_form

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
FAILED = 0  # the status recorded when no answer came (connection reset, refused, timeout)


@dataclass(frozen=True)
class Browser:
    """One respondent's session: its cookie and the form's CSRF token (valid per session)."""

    host: str
    port: int
    cookie: str
    csrf: str


def open_session(base_url: str, path: str) -> Browser:
    """GET ``path`` like a browser: the session cookie and the form's CSRF token."""
    parts = urlsplit(base_url)
    assert parts.hostname
    assert parts.port
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept-Language": "en"})
        answer = connection.getresponse()
        page = answer.read().decode("utf-8", "replace")
        pairs = [header.split(";", 1)[0] for header in answer.msg.get_all("Set-Cookie") or ()]
    finally:
        connection.close()
    token = CSRF_RE.search(page)
    assert answer.status == 200, f"GET {path} answered {answer.status}"
    assert token, f"no CSRF token on {path}"
    cookie = "; ".join(pair for pair in pairs if not pair.endswith("="))
    return Browser(parts.hostname, parts.port, cookie, token.group(1))


def request(
    host: str, port: int, method: str, path: str, body: str, headers: dict[str, str]
) -> int:
    """Send one request on a new connection; its status, or ``FAILED``."""
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request(method, path, body=body.encode(), headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    except (OSError, http.client.HTTPException):
        return FAILED
    finally:
        connection.close()


def post_answer(browser: Browser, workspace: Workspace, token: str, comment: str) -> int:
    """Submit the rating (and comment) for ``token``; the status (303 when stored)."""
    body = urlencode(answer_form(browser.csrf, workspace.version_number, comment))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": browser.cookie,
        "Accept": "text/html",
    }
    return request(browser.host, browser.port, "POST", f"/s/{token}", body, headers)


def post_interaction(browser: Browser, workspace: Workspace, body: str) -> int:
    """POST one interaction to the API with the workspace's key; the status (201 when new)."""
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {workspace.api_secret}",
    }
    return request(browser.host, browser.port, "POST", "/api/v1/interactions", body, headers)
