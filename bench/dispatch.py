"""Dispatch benchmark: end-to-end sending vs raw ``smtplib`` to the same SMTP sink.

The issue's figures:
- the end-to-end dispatch rate (claim, send-time checks, render, send, record) of one worker
  reaches >= 50 % of raw ``smtplib`` sending the same messages over one reused connection to the
  same aiosmtpd sink, measured in the same run (median of alternating rounds);
- with ``--postgres``: 100,000 invitations sent by 2 ``flask worker`` processes with zero
  duplicates, counted at the sink by Message-ID (``--workers-total`` to change the number).

The sink runs in its own process, as a real mail server would, and counts Message-IDs.

Usage: ``python bench/dispatch.py [--count 3000] [--rounds 3] [--postgres] [--workers-total N]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/...`

from aiosmtpd.controller import Controller
from sqlalchemy import text

from bench import foundation, harness
from config import Config
from surveyapp.app import create_app
from surveyapp.domain.clock import SystemClock
from surveyapp.domain.dispatch import Outcome, SendResult
from surveyapp.runtime import get_runtime
from surveyapp.services import schema
from surveyapp.services._db import make_engine, make_session_factory, session_scope
from surveyapp.services.dispatch import sending
from surveyapp.services.mail.transport import SmtpTransport, serialize
from tests.factories import seed_due_invitations

TARGET_RATIO = 0.50
SENDER = "surveys@bench.example"
SECRET = "bench-secret-key-that-is-long-enough-for-the-bench"  # noqa: S105 -- a bench value
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.MULTILINE | re.IGNORECASE)


# --- the sink: its own process, counting Message-IDs -----------------------------------------


def _sink_main(port: int, control: Connection) -> None:
    seen: Counter[bytes] = Counter()

    class Counting:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            found = _MESSAGE_ID.search(envelope.content[:8192])
            seen[found.group(1) if found else b"?"] += 1
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    control.send("ready")
    while True:
        command = control.recv()
        if command == "count":
            control.send(sum(seen.values()))
        elif command == "duplicates":
            control.send(sum(n - 1 for n in seen.values() if n > 1))
        elif command == "reset":
            seen.clear()
            control.send("ok")
        else:
            controller.stop()
            control.send("stopped")
            return


class Sink:
    """The SMTP sink process and its control pipe."""

    def __init__(self) -> None:
        self.port = harness.free_port()
        self._control, child = multiprocessing.Pipe()
        self._process = multiprocessing.Process(target=_sink_main, args=(self.port, child))

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def ask(self, command: str) -> Any:
        self._control.send(command)
        return self._control.recv()

    def __enter__(self) -> Sink:
        self._process.start()
        if self._control.recv() != "ready":
            raise harness.BenchError("the SMTP sink did not start")
        return self

    def __exit__(self, *_exc: object) -> None:
        self.ask("stop")
        self._process.join(timeout=10)


# --- the two measurements ---------------------------------------------------------------------


@dataclass(frozen=True)
class Round:
    reference: float  # messages/s, raw smtplib
    product: float  # messages/s, end-to-end dispatch


def _sample_messages(app: Any, url: str, count: int) -> list[bytes]:
    """The bytes the product sends, captured once, for raw smtplib to send again."""
    captured: list[bytes] = []

    class Capture:
        def send(self, message: Any, *, sender: str, recipient: str) -> Any:
            captured.append(serialize(message))  # sendmail dot-stuffs by itself
            return SendResult(Outcome.SENT, "captured")

        def close(self) -> None:
            pass

    _seed(url, count)
    factory = get_runtime(app).session_factory
    with app.app_context():
        sending.run_round(
            factory, Capture, settings=_settings("capture", count), clock=SystemClock()
        )
    return captured


def measure_reference(sink: Sink, messages: list[bytes]) -> float:
    """Messages/s of raw smtplib over one connection."""
    sink.ask("reset")
    connection = smtplib.SMTP("127.0.0.1", sink.port)
    started = time.perf_counter()
    for number, data in enumerate(messages):
        connection.sendmail(SENDER, [f"c{number}@example.com"], data)
    elapsed = time.perf_counter() - started
    connection.quit()
    if sink.ask("count") != len(messages):
        raise harness.BenchError("the sink did not receive every reference message")
    return len(messages) / elapsed


def measure_product(app: Any, url: str, sink: Sink, count: int) -> float:
    """Messages/s of one worker's ``run_round`` over fresh due invitations."""
    _seed(url, count)
    sink.ask("reset")
    factory = get_runtime(app).session_factory
    with app.app_context():
        started = time.perf_counter()
        tally = sending.run_round(
            factory,
            lambda: SmtpTransport(sink.url),
            settings=_settings("bench", count),
            clock=SystemClock(),
        )
        elapsed = time.perf_counter() - started
    if tally["sent"] != count or sink.ask("count") != count or sink.ask("duplicates"):
        raise harness.BenchError(f"dispatch sent {tally.counts}, the sink saw another count")
    return count / elapsed


def _settings(worker_id: str, count: int) -> sending.DispatchSettings:
    return sending.DispatchSettings(
        worker_id=worker_id,
        base_url="https://feedback.bench.example",
        sender=SENDER,
        domain="bench.example",
        secret=SECRET,
        batch_size=min(count, 200),
    )


def _seed(url: str, count: int) -> None:
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            _clear(session)
            seed_due_invitations(session, count, now=datetime.now(UTC))
    finally:
        engine.dispose()


def _clear(session: Any) -> None:
    for table in ("invitation_events", "invitations", "consent_settings", "contacts"):
        session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 -- fixed table names


# --- 2 worker processes on PostgreSQL ---------------------------------------------------------


def measure_workers(url: str, sink: Sink, total: int, workdir: Path) -> tuple[float, int]:
    """Seconds for 2 ``flask worker`` processes to deliver ``total``; duplicates seen."""
    _seed(url, total)
    sink.ask("reset")
    env = harness.server_env(
        {
            "SURVEYAPP_DATABASE_URL": url,
            "SURVEYAPP_SMTP_URL": sink.url,
            "SURVEYAPP_SECRET_KEY": SECRET,
            "SURVEYAPP_DISPATCH_INTERVAL": "1",
            "SURVEYAPP_DISPATCH_BATCH": "200",
            "SURVEYAPP_LOG_LEVEL": "warning",
        }
    )
    started = time.perf_counter()
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=harness.PROJECT_ROOT,
            env={**env, "SURVEYAPP_INSTANCE_PATH": str(workdir / f"worker{n}")},
            stderr=subprocess.DEVNULL,
        )
        for n in range(2)
    ]
    try:
        while sink.ask("count") < total:
            if any(w.poll() is not None for w in workers):
                raise harness.BenchError("a worker exited early")
            time.sleep(0.25)  # polling another process, not moving time
        elapsed = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
    return elapsed, int(sink.ask("duplicates"))


# --- main -------------------------------------------------------------------------------------


@contextmanager
def _database(workdir: Path, postgres_server: str | None) -> Iterator[str]:
    if postgres_server is None:
        yield f"sqlite:///{workdir / 'dispatch.sqlite3'}"
        return
    name = f"surveyapp_bench_{uuid.uuid4().hex[:12]}_dispatch"
    with foundation.postgres_database(postgres_server, name) as url:
        yield url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=3000, help="messages per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--postgres-server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--workers-total", type=int, default=100_000)
    args = parser.parse_args()
    server = args.postgres_server if args.postgres else None
    with (
        tempfile.TemporaryDirectory(prefix="surveyapp-bench-") as tmp,
        _database(Path(tmp), server) as url,
        Sink() as sink,
    ):
        schema.upgrade(make_engine(url))
        app = create_app(
            Config(
                database_url=url, instance_path=Path(tmp) / "instance", log_level="WARNING"
            ).resolved()
        )
        messages = _sample_messages(app, url, args.count)
        rounds = []
        for number in range(args.rounds):
            reference = measure_reference(sink, messages)
            product = measure_product(app, url, sink, args.count)
            rounds.append(Round(reference, product))
            print(
                f"round {number + 1}: raw smtplib {reference:,.0f} msg/s, "
                f"dispatch {product:,.0f} msg/s, ratio {product / reference:.2f}"
            )
        ratio = statistics.median(r.product / r.reference for r in rounds)
        verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
        kind = "postgresql" if server else "sqlite"
        print(
            f"dispatch rate ({kind}, median of {args.rounds}): {ratio:.2f}x raw smtplib "
            f"(target {TARGET_RATIO:.2f}) {verdict}"
        )
        if server:
            elapsed, duplicates = measure_workers(url, sink, args.workers_total, Path(tmp))
            rate = args.workers_total / elapsed
            reference = statistics.median(r.reference for r in rounds)
            print(
                f"2 workers on postgresql: {args.workers_total:,} invitations in {elapsed:.1f} s "
                f"({rate:,.0f} msg/s, {rate / reference:.2f}x raw smtplib), "
                f"duplicates {duplicates} {'PASS' if duplicates == 0 else 'FAIL'}"
            )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SURVEYAPP_LOG_LEVEL", "warning")
    raise SystemExit(main())
