"""Foundation benchmark: the product's GET /healthz as a ratio to the bare ceiling app."""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/...`

from sqlalchemy import create_engine, make_url

from bench import harness
from bench.wrk_statuses import Measured
from bench.wrk_statuses import measure as measure_statuses

PRODUCT_APP = "wsgi:app"
DEFAULT_POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
ITEM_BODY = '{"payload": "foundation benchmark payload"}'
JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Settings:
    """Load parameters shared by every measurement of one run."""

    duration: int
    connections: int
    threads: int
    workers: int


@dataclass(frozen=True)
class Databases:
    """Database URLs of the ceiling app and of the product for one run."""

    kind: str
    ceiling_url: str
    product_url: str


# --- databases --------------------------------------------------------------------------------


def _postgres_admin_execute(server: str, statement: str) -> None:
    admin_url = make_url(server).set(database="postgres")
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


@contextlib.contextmanager
def postgres_database(server: str, name: str) -> Iterator[str]:
    """Create a fresh PostgreSQL database, yield its URL, drop it afterwards."""
    try:
        _postgres_admin_execute(server, f'CREATE DATABASE "{name}"')
    except Exception as error:  # any driver/connection failure: report it plainly
        raise harness.BenchError(
            f"cannot create PostgreSQL database on {server}: {error}"
        ) from error
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        _postgres_admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def databases(workdir: Path, postgres_server: str | None) -> Iterator[Databases]:
    """Yield fresh databases for both apps: SQLite files in ``workdir`` or PostgreSQL."""
    if postgres_server is None:
        yield Databases(
            kind="sqlite",
            ceiling_url=f"sqlite:///{workdir / 'ceiling.sqlite3'}",
            product_url=f"sqlite:///{workdir / 'product.sqlite3'}",
        )
        return
    prefix = f"surveyapp_bench_{uuid.uuid4().hex[:12]}"
    with (
        postgres_database(postgres_server, f"{prefix}_ceiling") as ceiling_url,
        postgres_database(postgres_server, f"{prefix}_product") as product_url,
    ):
        yield Databases(kind="postgresql", ceiling_url=ceiling_url, product_url=product_url)


# --- product ----------------------------------------------------------------------------------


def product_env(database_url: str, instance_path: Path) -> dict[str, str]:
    """Environment the product needs to be served for a benchmark."""
    return {
        "SURVEYAPP_DATABASE_URL": database_url,
        "SURVEYAPP_ENV": "development",
        "SURVEYAPP_SCHEDULER": "off",
        "SURVEYAPP_INSTANCE_PATH": str(instance_path),
    }


def migrate(env: dict[str, str]) -> None:
    """Run ``flask --app wsgi db upgrade`` in the project root with the product's environment."""
    if not (harness.PROJECT_ROOT / "wsgi.py").is_file():
        raise harness.BenchError(
            f"no wsgi.py in {harness.PROJECT_ROOT}: the product app is missing"
        )
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
    completed = subprocess.run(
        command,
        cwd=harness.PROJECT_ROOT,
        env=harness.server_env(env),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise harness.BenchError(
            f"'flask --app wsgi db upgrade' failed with code {completed.returncode}:\n"
            f"{completed.stdout}{completed.stderr}"
        )


# --- measurements -----------------------------------------------------------------------------


def measure_ceiling(database_url: str, settings: Settings) -> dict[str, harness.WrkResult]:
    """Measure the ceiling app's GET /healthz and POST /items."""
    env = {"CEILING_DATABASE_URL": database_url}
    with harness.serve(harness.CEILING_APP, env=env, workers=settings.workers) as url:
        healthz = harness.run_wrk(
            url + "/healthz",
            duration=settings.duration,
            connections=settings.connections,
            threads=settings.threads,
        )
        items = harness.run_wrk(
            url + "/items",
            method="POST",
            body=ITEM_BODY,
            headers=JSON_HEADERS,
            duration=settings.duration,
            connections=settings.connections,
            threads=settings.threads,
        )
    return {"GET /healthz": healthz, "POST /items": items}


def measure_product(env: dict[str, str], settings: Settings) -> dict[str, harness.WrkResult]:
    """Measure the product's GET /healthz (its database must be migrated already)."""
    with harness.serve(PRODUCT_APP, env=env, workers=settings.workers) as url:
        return {
            "GET /healthz": harness.run_wrk(
                url + "/healthz",
                duration=settings.duration,
                connections=settings.connections,
                threads=settings.threads,
            ),
        }


# --- report -----------------------------------------------------------------------------------


def print_header(settings: Settings, database_kind: str) -> None:
    """Explain what the figures below mean."""
    print(
        f"surveyapp foundation benchmark: {settings.duration}s per figure, "
        f"{settings.connections} connections, {settings.threads} wrk threads, "
        f"{settings.workers} gunicorn sync workers, {database_kind}"
    )
    print(
        "Ratio = product / ceiling (bare Flask + SQLAlchemy 2 app), both measured in this run.\n"
        "req/s ratio: higher is better, 1.00x = as fast as the ceiling. "
        "p99 ratio: lower is better.\n"
        "Absolute numbers (in parentheses) are noisy on shared machines; the ratio is the figure."
    )


def report(ceiling: dict[str, harness.WrkResult], product: dict[str, harness.WrkResult]) -> None:
    """Print the ceiling's absolute figures, then each product figure as a ratio."""
    print("\nceiling (reference, absolute):")
    for name, result in ceiling.items():
        harness.print_result(f"  ceiling {name}", result)
    print("\nproduct vs ceiling:")
    for name, result in product.items():
        harness.print_ratio(f"  product {name}", result, ceiling[name])


def run(settings: Settings, postgres_server: str | None) -> None:
    """Measure the ceiling and the product on fresh databases and print the report."""
    harness.require_tools()
    with (
        tempfile.TemporaryDirectory(prefix="surveyapp-bench-") as tmp,
        databases(Path(tmp), postgres_server) as dbs,
    ):
        print_header(settings, dbs.kind)
        instance_path = Path(tmp) / "instance"
        instance_path.mkdir()
        env = product_env(dbs.product_url, instance_path)
        migrate(env)  # first, so a broken product fails before minutes of measuring
        ceiling = measure_ceiling(dbs.ceiling_url, settings)
        product = measure_product(env, settings)
    report(ceiling, product)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per figure")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--postgres", action="store_true", help="use fresh PostgreSQL databases instead of SQLite"
    )
    parser.add_argument(
        "--postgres-server",
        default=DEFAULT_POSTGRES_SERVER,
        help="server URL used with --postgres (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the foundation benchmark; exit non-zero with a message on any failure."""
    args = _parser().parse_args(argv)
    settings = Settings(args.duration, args.connections, args.threads, args.workers)
    try:
        run(settings, args.postgres_server if args.postgres else None)
    except harness.BenchError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())


def measure_counted(url: str, script: str, settings: Settings) -> Measured:
    """One figure counted by status (1 s warm-up, discarded); refuses a run with failed answers."""
    measured = measure_statuses(
        url,
        script,
        duration=settings.duration,
        connections=settings.connections,
        threads=settings.threads,
    )
    if measured.problem:
        raise harness.BenchError(f"{url}: {measured.problem}")
    return measured
