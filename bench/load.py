"""Issue 10 load run: 10,000 survey answers and 10,000 API interactions, then an audit.

gunicorn serves the product on a fresh PostgreSQL database; wrk (a Lua script walking the
personal links, or numbering the interactions) answers every link once and posts every
interaction once over loopback, as fast as the server keeps up (closed loop, ``--connections``
in flight). Then it checks that every answer and interaction that got its success status is
stored exactly once (and nothing else is), dispatches the invitations the interactions
planned to a real SMTP server on loopback and checks that each one is sent exactly once or
suppressed with its reasons. Prints req/s and latency per phase; exits 1 when a check fails.

The suite runs the same scenario with 1,000 + 1,000 (``tests/reliability/test_load.py``);
the code is shared (``tests/reliability/load_run.py``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/...`

from config import TestConfig
from surveyapp.app import create_app
from surveyapp.runtime import get_runtime
from surveyapp.services import schema
from surveyapp.services._db import make_engine
from tests.databases import fresh_database
from tests.reliability import load_run
from tests.smtp_sink import SmtpSink


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--interactions", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (gthread)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    return parser


def run(args: argparse.Namespace, work_dir: Path) -> list[str]:
    """The whole scenario; returns the failed checks (empty: all passed)."""
    with fresh_database("postgresql", work_dir) as url:
        engine = make_engine(url)
        try:
            schema.upgrade(engine)
            workspace = load_run.prepare(engine, args.answers)
            answered, posted = load_run.drive(
                url,
                workspace,
                work_dir,
                interactions=args.interactions,
                workers=args.workers,
                threads=args.threads,
                connections=args.connections,
            )
            print(load_run.describe("POST /s/<token> (rating)", answered))
            print(load_run.describe("POST /api/v1/interactions", posted))
            audit = load_run.audit(engine, answered, posted)
            delivery = _dispatch(url, work_dir)
        finally:
            engine.dispose()
    return _report(args, audit, delivery)


def _dispatch(url: str, work_dir: Path) -> load_run.Delivery:
    sink = SmtpSink()
    sink.start()
    app = create_app(
        TestConfig(database_url=url, smtp_url=sink.url, instance_path=work_dir / "worker")
    )
    try:
        return load_run.dispatch_everything(app, sink, after=timedelta(hours=2))
    finally:
        get_runtime(app).engine.dispose()
        sink.stop()


def _report(
    args: argparse.Namespace, audit: load_run.Audit, delivery: load_run.Delivery
) -> list[str]:
    print(
        f"answers: {audit.answers_accepted} accepted (303), {audit.answers_stored} stored; "
        f"interactions: {audit.interactions_accepted} accepted (201), "
        f"{audit.interactions_stored} stored"
    )
    print(
        f"dispatch: {dict(delivery.states)}; {delivery.messages} messages at the SMTP server, "
        f"{delivery.duplicates} duplicates, {delivery.unexplained_suppressions} suppressions "
        "without a reason"
    )
    checks = {
        "half-written or orphaned rows": not audit.problems,
        "every accepted answer stored once": audit.answers_stored == audit.answers_accepted,
        "every accepted interaction stored once": (
            audit.interactions_stored == audit.interactions_accepted
        ),
        "every planned invitation sent or suppressed with a reason": (
            set(delivery.states) <= {"sent", "suppressed"}
            and sum(delivery.states.values()) == audit.interactions_stored
            and delivery.unexplained_suppressions == 0
        ),
        "every sent invitation at the server exactly once": (
            delivery.duplicates == 0 and delivery.messages == delivery.states["sent"]
        ),
    }
    for problem in audit.problems[:20]:
        print(f"  problem: {problem}")
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return [name for name, passed in checks.items() if not passed]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load scenario; exit 1 when a check fails."""
    args = _parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="surveyapp-load-") as tmp:
        failed = run(args, Path(tmp))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
