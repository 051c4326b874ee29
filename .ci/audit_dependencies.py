"""Audit the pinned versions of the lock files for known vulnerabilities (run by `make lint`).

The advisory sources, tried in this order; the first that answers is used:

1. OSV (``https://api.osv.dev/v1/querybatch``): every pin is looked up; complete.
2. PyPI's JSON of each pinned release (``https://pypi.org/pypi/<name>/<version>/json``), whose
   ``vulnerabilities`` come from OSV too; complete.
3. PyPI's JSON of each project (``https://pypi.org/pypi/<name>/json``). Its ``vulnerabilities``
   are those of the project's newest release only, so a pin is checked when it is that release;
   an older pin is listed as not checked, and a pin that was yanked is reported.

Exit status 1 when a pinned version has a known vulnerability (or was yanked). When no source
answers, or some pins could not be checked, a loud ``AUDIT NOT RUN`` or ``AUDIT INCOMPLETE``
line says so and the status is 0, unless ``--strict`` is given (``make lint AUDIT_STRICT=1``).
Advisories can be accepted with ``--ignore ID`` after review.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OSV_URL = "https://api.osv.dev/v1/querybatch"
PYPI_URL = "https://pypi.org/pypi"
TIMEOUT_S = 20
WORKERS = 16
_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;#]+)")


class SourceUnavailable(Exception):
    """The advisory source did not answer usefully; the message says why."""


@dataclass(frozen=True)
class Pin:
    """A locked ``name==version``."""

    name: str
    version: str

    def __str__(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass
class Report:
    """What one source found: advisories per pin, and the pins it could not check."""

    source: str
    findings: dict[Pin, list[str]] = field(default_factory=dict)
    unchecked: dict[Pin, str] = field(default_factory=dict)


def read_pins(paths: Iterable[Path]) -> list[Pin]:
    """The distinct pins of the lock files, by normalised name (PEP 503)."""
    pins: dict[tuple[str, str], Pin] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = _PIN.match(line)
            if match:
                name = re.sub(r"[-_.]+", "-", match[1]).lower()
                pins[name, match[2]] = Pin(name, match[2])
    return sorted(pins.values(), key=lambda pin: (pin.name, pin.version))


def _fetch_json(url: str, body: dict[str, Any] | None = None) -> Any:
    if not url.startswith(("https://", "http://")):
        raise SourceUnavailable(f"not an http(s) URL: {url}")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 -- the scheme is checked above
        url, data=data, headers={"Content-Type": "application/json", "Accept": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
        return json.load(response)


def _live(advisories: Iterable[dict[str, Any]], ignored: set[str]) -> list[str]:
    """Advisory ids that are not withdrawn and not ignored (by id or alias)."""
    found = []
    for advisory in advisories:
        names = {advisory.get("id", ""), *advisory.get("aliases", [])}
        if advisory.get("withdrawn") or names & ignored:
            continue
        found.append(advisory.get("id") or "unknown advisory")
    return found


def audit_osv(pins: Sequence[Pin], ignored: set[str], osv_url: str) -> Report:
    """Every pin against OSV's batch query."""
    queries = [
        {"package": {"name": pin.name, "ecosystem": "PyPI"}, "version": pin.version} for pin in pins
    ]
    try:
        answer = _fetch_json(osv_url, {"queries": queries})
    except (OSError, ValueError) as error:
        raise SourceUnavailable(f"OSV at {osv_url}: {error}") from error
    results = answer.get("results") if isinstance(answer, dict) else None
    if not isinstance(results, list) or len(results) != len(pins):
        raise SourceUnavailable(f"OSV at {osv_url} answered without one result per pin")
    report = Report("OSV")
    for pin, result in zip(pins, results, strict=True):
        if live := _live(result.get("vulns") or [], ignored):
            report.findings[pin] = live
    return report


def _each(pins: Sequence[Pin], look_up: Callable[[Pin], Any]) -> list[Any]:
    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(look_up, pins))


def audit_pypi_releases(pins: Sequence[Pin], ignored: set[str], pypi_url: str) -> Report:
    """Every pin against the ``vulnerabilities`` of its release's JSON on PyPI."""

    def look_up(pin: Pin) -> Any:
        try:
            return _fetch_json(f"{pypi_url}/{pin.name}/{pin.version}/json")
        except (OSError, ValueError) as error:
            return error

    # Where this API is switched off (mirrors answer 404), asking about every pin takes long.
    if isinstance(probe := look_up(pins[0]), Exception):
        raise SourceUnavailable(f"PyPI release JSON at {pypi_url}: {probe}")
    answers = [probe, *_each(pins[1:], look_up)]
    report = Report("PyPI release JSON")
    for pin, answer in zip(pins, answers, strict=True):
        if isinstance(answer, Exception):
            report.unchecked[pin] = str(answer)
        elif live := _live(answer.get("vulnerabilities") or [], ignored):
            report.findings[pin] = live
    return report


def audit_pypi_projects(pins: Sequence[Pin], ignored: set[str], pypi_url: str) -> Report:
    """Pins that are their project's newest release, against that release's advisories."""

    def look_up(pin: Pin) -> Any:
        try:
            return _fetch_json(f"{pypi_url}/{pin.name}/json")
        except (OSError, ValueError) as error:
            return error

    answers = _each(pins, look_up)
    if all(isinstance(answer, Exception) for answer in answers):
        raise SourceUnavailable(f"PyPI project JSON at {pypi_url}: {answers[0]}")
    report = Report("PyPI project JSON (advisories of each project's newest release)")
    for pin, answer in zip(pins, answers, strict=True):
        if isinstance(answer, Exception):
            report.unchecked[pin] = str(answer)
            continue
        files = answer.get("releases", {}).get(pin.version)
        if files and all(file.get("yanked") for file in files):
            report.findings.setdefault(pin, []).append("yanked from PyPI")
        newest = answer.get("info", {}).get("version")
        if newest != pin.version:
            report.unchecked[pin] = f"newest is {newest}; advisories are published for it only"
        elif live := _live(answer.get("vulnerabilities") or [], ignored):
            report.findings.setdefault(pin, []).extend(live)
    return report


def audit(pins: Sequence[Pin], ignored: set[str], osv_url: str, pypi_url: str) -> Report | str:
    """The report of the first source that answers, or why none did."""
    reasons = []
    sources: list[tuple[Callable[[Sequence[Pin], set[str], str], Report], str]] = [
        (audit_osv, osv_url),
        (audit_pypi_releases, pypi_url),
        (audit_pypi_projects, pypi_url),
    ]
    for source, url in sources:
        try:
            return source(pins, ignored, url)
        except SourceUnavailable as error:
            reasons.append(str(error))
    return "; ".join(reasons)


def main(argv: Sequence[str] | None = None) -> int:
    """Audit the lock files named on the command line; the exit status is the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("locks", nargs="+", type=Path)
    parser.add_argument("--osv-url", default=OSV_URL)
    parser.add_argument("--pypi-url", default=PYPI_URL)
    parser.add_argument("--ignore", action="append", default=[], metavar="ID")
    parser.add_argument(
        "--strict", action="store_true", help="fail when not every pin could be checked"
    )
    args = parser.parse_args(argv)
    pins = read_pins(args.locks)
    outcome = audit(pins, set(args.ignore), args.osv_url, args.pypi_url.rstrip("/"))
    failing = 1 if args.strict else 0
    if isinstance(outcome, str):
        print(f"AUDIT NOT RUN: no advisory source answered ({outcome})")
        return failing
    for pin, advisories in sorted(outcome.findings.items(), key=lambda item: item[0].name):
        print(f"VULNERABLE {pin}: {', '.join(advisories)}")
    for pin, reason in sorted(outcome.unchecked.items(), key=lambda item: item[0].name):
        print(f"  not checked {pin}: {reason}")
    checked = len(pins) - len(outcome.unchecked)
    summary = f"{checked} of {len(pins)} pins checked against {outcome.source}"
    if outcome.findings:
        print(f"AUDIT FAILED: {len(outcome.findings)} pinned versions are vulnerable; {summary}")
        return 1
    if outcome.unchecked:
        print(f"AUDIT INCOMPLETE: {summary}; no known vulnerability in those")
        return failing
    print(f"AUDIT OK: {summary}; no known vulnerability")
    return 0


if __name__ == "__main__":
    sys.exit(main())
