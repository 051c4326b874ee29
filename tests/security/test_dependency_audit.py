"""`make lint` audits the locked versions: a known vulnerability fails it, and an audit that
could not run says so loudly instead of passing in silence.

The advisory sources (OSV, PyPI's JSON API) are played by a small HTTP server on loopback that
answers like them, so every path of the auditor runs here as it would against the real ones.
"""

from __future__ import annotations

import json
import re
import runpy
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
AUDITOR = ROOT / ".ci" / "audit_dependencies.py"
LOCK = "flask==3.1.3              # via surveyapp (pyproject.toml)\nrequests[socks]==2.34.2\n"
ADVISORY = {"id": "GHSA-aaaa-bbbb-cccc", "aliases": ["CVE-2026-0001"], "withdrawn": None}


@dataclass
class Advisories:
    """What the fake sources answer; ``None`` for a source that is switched off (404/503)."""

    osv: dict[str, list[dict[str, Any]]] | None = None
    releases: dict[str, list[dict[str, Any]]] | None = None
    projects: dict[str, dict[str, Any]] | None = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)


def _project(
    version: str, newest: str, advisories: list[dict[str, Any]], yanked: bool = False
) -> dict[str, Any]:
    return {
        "info": {"version": newest},
        "releases": {version: [{"yanked": yanked}], newest: [{"yanked": False}]},
        "vulnerabilities": advisories,
    }


def _handler(advisories: Advisories) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def _answer(self, body: Any) -> None:
            if body is None:
                self.send_error(404)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            advisories.requests.append(f"POST {self.path}")
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if advisories.osv is None:
                self.send_error(503)
                return
            names = [q["package"]["name"] for q in query["queries"]]
            self._answer({"results": [{"vulns": advisories.osv.get(n, [])} for n in names]})

        def do_GET(self) -> None:
            advisories.requests.append(f"GET {self.path}")
            release = re.fullmatch(r"/pypi/([^/]+)/([^/]+)/json", self.path)
            project = re.fullmatch(r"/pypi/([^/]+)/json", self.path)
            if release and advisories.releases is not None:
                self._answer({"vulnerabilities": advisories.releases.get(release[1], [])})
            elif project and advisories.projects is not None:
                self._answer(advisories.projects.get(project[1]))
            else:
                self._answer(None)

    return Handler


@pytest.fixture
def sources() -> Iterator[tuple[Advisories, str]]:
    advisories = Advisories()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(advisories))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield advisories, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _audit(
    tmp_path: Path, base: str, *extra: str, osv: str | None = None
) -> subprocess.CompletedProcess[str]:
    lock = tmp_path / "requirements.lock"
    lock.write_text(LOCK, encoding="utf-8")
    command = [sys.executable, str(AUDITOR), str(lock), "--pypi-url", f"{base}/pypi"]
    command += ["--osv-url", osv or f"{base}/v1/querybatch", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_a_vulnerability_osv_knows_fails_the_audit(
    sources: tuple[Advisories, str], tmp_path: Path
) -> None:
    advisories, base = sources
    advisories.osv = {"flask": [ADVISORY]}
    result = _audit(tmp_path, base)
    assert result.returncode == 1, result.stdout
    assert "VULNERABLE flask==3.1.3: GHSA-aaaa-bbbb-cccc" in result.stdout
    assert "AUDIT FAILED: 1 pinned versions are vulnerable; 2 of 2 pins checked against OSV" in (
        result.stdout
    )
    assert advisories.requests == ["POST /v1/querybatch"]  # complete: no other source asked

    accepted = _audit(tmp_path, base, "--ignore", "CVE-2026-0001")
    assert accepted.returncode == 0
    assert "AUDIT OK: 2 of 2 pins checked against OSV" in accepted.stdout


def test_withdrawn_advisories_do_not_count(sources: tuple[Advisories, str], tmp_path: Path) -> None:
    advisories, base = sources
    advisories.osv = {"flask": [{**ADVISORY, "withdrawn": "2026-01-01T00:00:00Z"}]}
    assert _audit(tmp_path, base).returncode == 0


def test_without_osv_each_release_is_looked_up_on_pypi(
    sources: tuple[Advisories, str], tmp_path: Path
) -> None:
    advisories, base = sources
    advisories.releases = {"requests": [ADVISORY]}
    result = _audit(tmp_path, base)
    assert result.returncode == 1
    assert "VULNERABLE requests==2.34.2: GHSA-aaaa-bbbb-cccc" in result.stdout
    assert "checked against PyPI release JSON" in result.stdout


def test_with_only_project_pages_the_newest_release_is_audited(
    sources: tuple[Advisories, str], tmp_path: Path
) -> None:
    advisories, base = sources  # OSV answers 503 and release pages 404, as on this network
    advisories.projects = {
        "flask": _project("3.1.3", "3.1.3", [ADVISORY]),
        "requests": _project("2.34.2", "2.35.0", []),
    }
    result = _audit(tmp_path, base)
    assert result.returncode == 1
    assert "VULNERABLE flask==3.1.3: GHSA-aaaa-bbbb-cccc" in result.stdout
    assert "not checked requests==2.34.2: newest is 2.35.0" in result.stdout

    advisories.projects["flask"] = _project("3.1.3", "3.1.3", [])
    incomplete = _audit(tmp_path, base)
    assert incomplete.returncode == 0
    assert "AUDIT INCOMPLETE: 1 of 2 pins checked against PyPI project JSON" in incomplete.stdout
    assert _audit(tmp_path, base, "--strict").returncode == 1


def test_a_yanked_pin_fails_the_audit(sources: tuple[Advisories, str], tmp_path: Path) -> None:
    advisories, base = sources
    advisories.projects = {
        "flask": _project("3.1.3", "3.1.4", [], yanked=True),
        "requests": _project("2.34.2", "2.34.2", []),
    }
    result = _audit(tmp_path, base)
    assert result.returncode == 1
    assert "VULNERABLE flask==3.1.3: yanked from PyPI" in result.stdout


def test_no_source_at_all_is_said_loudly_and_fails_when_strict(
    sources: tuple[Advisories, str], tmp_path: Path
) -> None:
    advisories, base = sources
    advisories.projects = None
    result = _audit(tmp_path, base)
    assert result.returncode == 0
    assert result.stdout.startswith("AUDIT NOT RUN: no advisory source answered (OSV at ")
    assert "503" in result.stdout
    assert "404" in result.stdout
    assert _audit(tmp_path, base, "--strict").returncode == 1


def test_every_pin_of_the_real_lock_files_is_read() -> None:
    lines = [
        line
        for name in ("requirements.lock", "requirements-test.lock")
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines()
        if "==" in line
    ]
    names = {line.split("==", 1)[0].strip().lower() for line in lines}
    result = subprocess.run(
        [sys.executable, str(AUDITOR), "--help"], capture_output=True, text=True, check=True
    )
    assert "--strict" in result.stdout
    read_pins = runpy.run_path(str(AUDITOR))["read_pins"]  # a script, not a package
    pins = read_pins([ROOT / "requirements-test.lock", ROOT / "requirements.lock"])
    assert {pin.name for pin in pins} == {name.replace("_", "-") for name in names}
    assert len(pins) == len(names) >= 50
