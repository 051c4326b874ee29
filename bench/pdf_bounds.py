"""PDF build bounds: what a normal report costs, and what the bounded child process adds.

Seeds the data of ``bench/report_pdf.py`` (smaller by default), renders the team's report HTML
once, then measures on that same HTML:

- time: the bounded build (``pdf.html_to_pdf``: a forked child under ``BuildLimits``) beside
  WeasyPrint in this process, in alternating rounds; medians and their ratio;
- memory: the peak of Python allocations (tracemalloc) and the growth of the maximum resident
  size (``ru_maxrss``) of one in-process build, and the smallest ``memory_bytes`` budget (from
  a ladder of sizes) with which the bounded build still succeeds, beside the default.

Usage: ``python bench/pdf_bounds.py [--rounds 5] [--responses 3000] [--cases 100]``.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from weasyprint import HTML

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/...`

from bench.report_pdf import DAYS, NOW, seed
from surveyapp.domain.clock import FixedClock
from surveyapp.services import schema
from surveyapp.services._db import make_engine, make_session_factory
from surveyapp.services.reporting import pdf, report_content
from surveyapp.services.reporting.filters import ReportFilters

BUDGETS_MIB = (8, 16, 24, 32, 48, 64, 96, 128, 256)


def report_html(responses: int, cases: int, folder: Path) -> str:
    """The HTML of the seeded team's report over ``DAYS`` days."""
    engine = make_engine(f"sqlite:///{folder / 'bounds.db'}")
    schema.upgrade(engine)
    team_id = seed(engine, responses, cases)
    filters = ReportFilters(
        date_from=NOW.date() - timedelta(days=DAYS),
        date_to=NOW.date() - timedelta(days=1),
        team_id=team_id,
    )
    with make_session_factory(engine)() as session:
        content = report_content.build_report(
            session, filters, title="Support", timezone="UTC", clock=FixedClock(NOW)
        )
    engine.dispose()
    context = report_content.report_context(content, locale="en")
    return pdf.render_report_html(report_content.TEMPLATE, context, locale="en")


def in_process(html: str) -> bytes:
    document = HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=pdf.StaticOnlyFetcher())
    return bytes(document.write_pdf())


def timed(work: Callable[[], bytes]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def smallest_budget(html: str) -> int | None:
    for mib in BUDGETS_MIB:
        try:
            pdf.html_to_pdf(html, limits=pdf.BuildLimits(memory_bytes=mib << 20))
        except pdf.ReportBuildAborted:
            continue
        return mib
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--responses", type=int, default=3_000)
    parser.add_argument("--cases", type=int, default=100)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        html = report_html(options.responses, options.cases, Path(folder))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    size = len(in_process(html))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    bounded, unbounded = [], []
    for _ in range(options.rounds):
        bounded.append(timed(lambda: pdf.html_to_pdf(html)))
        unbounded.append(timed(lambda: in_process(html)))
    fast, slow = statistics.median(bounded), statistics.median(unbounded)
    default_mib = pdf.DEFAULT_LIMITS.memory_bytes >> 20
    print(f"report: {len(html)} characters of HTML, {size} bytes of PDF")
    print(f"bounded build (forked child): median {fast:.3f} s")
    print(f"WeasyPrint in this process:   median {slow:.3f} s")
    print(f"ratio bounded / in-process:   {fast / slow:.2f}")
    print(
        f"in-process build: tracemalloc peak {peak / 2**20:.1f} MiB, ru_maxrss +{grown >> 10} MiB"
    )
    print(f"smallest memory budget: {smallest_budget(html)} MiB (default {default_mib} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
