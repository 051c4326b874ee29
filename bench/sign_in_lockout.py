"""Cost of a refused sign-in during a lock, as a ratio to a checked (argon2id) wrong password.

A lock must be a cheap refusal: no argon2 work, only the look-up of the counters. This runs
``services.auth.sign_in`` in-process on a fresh migrated SQLite database (no HTTP, no limiter):
``--attempts`` wrong passwords for as many unknown emails (each one checked with argon2id and
counted), then as many attempts on an account that is locked. Prints the medians and the ratio.

Usage: ``python bench/sign_in_lockout.py [--attempts 20]``.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/...`

from surveyapp.domain.clock import FixedClock
from surveyapp.services import auth, schema
from surveyapp.services._db import make_engine, make_session_factory, session_scope


def _median_ms(runs: int, attempt: Callable[[int], None]) -> float:
    times = []
    for number in range(runs):
        start = time.perf_counter()
        attempt(number)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print; exit 1 when a locked refusal is not at least 10 times cheaper."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=20)
    args = parser.parse_args(argv)
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        schema.upgrade(engine)
        sessions = make_session_factory(engine)

        def sign_in(email: str) -> None:
            with session_scope(sessions) as session, contextlib.suppress(auth.SignInLocked):
                auth.sign_in(session, email, "wrong password", clock=clock)

        checked = _median_ms(args.attempts, lambda n: sign_in(f"nobody{n}@example.com"))
        for _ in range(auth.DEFAULT_POLICY.account.threshold):
            sign_in("locked@example.com")
        refused = _median_ms(args.attempts, lambda _n: sign_in("locked@example.com"))
        engine.dispose()
    ratio = refused / checked
    print(f"checked wrong password (argon2id): median {checked:.1f} ms")
    print(f"refused during a lock:             median {refused:.2f} ms")
    print(f"ratio refused/checked:             {ratio:.4f}")
    return 0 if ratio < 0.1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
