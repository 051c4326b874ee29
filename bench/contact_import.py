"""CSV contact import benchmark: ``flask --app wsgi contacts import FILE`` on 100,000 contacts.

The issue's figures: 100,000 contacts imported in under 30 s, with flat memory (streamed). The
import runs as a user runs it, the CLI in its own process. Memory: the peak RSS of importing
100,000 lines is compared to importing 20,000 (into a fresh database each); flat means the
larger file needs at most ``MAX_MEMORY_GROWTH`` times the memory. The reference measured in the
same run is a bare executemany of the same number of rows into a one-table schema.

Usage: ``python bench/contact_import.py [--contacts 100000] [--postgres]``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/...`

from sqlalchemy import Column, Integer, MetaData, String, Table

from bench import foundation, harness
from surveyapp.services._db import make_engine

TARGET_SECONDS = 30.0
SMALL_FILE = 20_000
MAX_MEMORY_GROWTH = 1.25
BATCH = 1000
REGIONS = ("north", "south", "east", "west")
COLUMNS = ("external_id", "email", "name", "locale", "timezone", "plan", "region", "consent_email")


@dataclass(frozen=True)
class Imported:
    """One CLI import: how long it took and the process's peak memory."""

    seconds: float
    peak_rss_mb: float
    summary: str


def write_csv(path: Path, count: int) -> None:
    """``count`` contacts in the import format, ``;``-separated, with a BOM, as Excel saves."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            [
                "external_id",
                "email",
                "name",
                "locale",
                "timezone",
                "plan",
                "region",
                "consent_email",
            ]
        )
        for n in range(count):
            writer.writerow(
                [
                    f"C-{n}",
                    f"customer{n}@example.com",
                    f"Kundin {n}",
                    "de" if n % 3 else "en",
                    "Europe/Berlin",
                    "pro" if n % 5 else "basic",
                    REGIONS[n % len(REGIONS)],
                    "granted" if n % 4 else "",
                ]
            )


def import_with_cli(env: dict[str, str], path: Path) -> Imported:
    """Run the CLI import in its own process; its wall time and peak RSS."""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "contacts", "import", str(path)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        began = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=harness.PROJECT_ROOT, env=harness.server_env(env), stdout=out, stderr=err
        )
        # wait4 reports this child's own peak memory (ru_maxrss, KiB on Linux).
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise harness.BenchError(f"the import failed:\n{stdout}{stderr}")
    return Imported(seconds, usage.ru_maxrss / 1024, stdout.strip().splitlines()[0])


def reference_rows_per_second(url: str, count: int) -> float:
    """A bare executemany of ``count`` rows in batches of ``BATCH``."""
    table = Table(
        "reference_contacts",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("external_id", String(200), unique=True),
        Column("email", String(320)),
    )
    engine = make_engine(url)
    table.metadata.create_all(engine)
    elapsed = 0.0
    for start in range(0, count, BATCH):
        rows = [
            {"external_id": f"C-{n}", "email": f"customer{n}@example.com"}
            for n in range(start, min(start + BATCH, count))
        ]
        began = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(table.insert(), rows)
        elapsed += time.perf_counter() - began
    engine.dispose()
    return count / elapsed


@contextlib.contextmanager
def product_database(workdir: Path, postgres_server: str | None, name: str) -> Iterator[dict]:
    """A fresh, migrated product database; yields the environment the CLI runs with."""
    with foundation.databases(workdir / name, postgres_server) as dbs:
        instance_path = workdir / name / "instance"
        instance_path.mkdir(parents=True)
        env = foundation.product_env(dbs.product_url, instance_path)
        env["SURVEYAPP_LOG_LEVEL"] = "warning"
        foundation.migrate(env)
        yield {"env": env, "ceiling_url": dbs.ceiling_url, "kind": dbs.kind}


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures; exit 1 when they could not be measured, 2 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--postgres-server", default=foundation.DEFAULT_POSTGRES_SERVER)
    args = parser.parse_args(argv)
    server = args.postgres_server if args.postgres else None
    try:
        with tempfile.TemporaryDirectory(prefix="surveyapp-bench-") as tmp:
            workdir = Path(tmp)
            small, large = workdir / "small.csv", workdir / "large.csv"
            write_csv(small, SMALL_FILE)
            write_csv(large, args.contacts)
            with product_database(workdir, server, "small") as db:
                first = import_with_cli(db["env"], small)
            with product_database(workdir, server, "large") as db:
                reference = reference_rows_per_second(db["ceiling_url"], args.contacts)
                second = import_with_cli(db["env"], large)
                kind = db["kind"]
    except harness.BenchError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 1
    rate = args.contacts / second.seconds
    growth = second.peak_rss_mb / first.peak_rss_mb
    fast, flat = second.seconds < TARGET_SECONDS, growth <= MAX_MEMORY_GROWTH
    print(f"surveyapp contact import benchmark ({kind}), the CLI on a ';' CSV with a BOM")
    print(f"  reference (bare executemany):  {reference:10.0f} rows/s")
    print(
        f"  {args.contacts} contacts: {second.seconds:6.1f} s = {rate:.0f} contacts/s "
        f"= {rate / reference:.3f}x the reference; target < {TARGET_SECONDS:.0f} s "
        f"{'PASS' if fast else 'FAIL'}  ({second.summary})"
    )
    print(
        f"  peak memory: {first.peak_rss_mb:.0f} MB for {SMALL_FILE} lines, "
        f"{second.peak_rss_mb:.0f} MB for {args.contacts}: {growth:.2f}x "
        f"(flat: <= {MAX_MEMORY_GROWTH:.2f}x) {'PASS' if flat else 'FAIL'}"
    )
    return 0 if fast and flat else 2


if __name__ == "__main__":
    sys.exit(main())
