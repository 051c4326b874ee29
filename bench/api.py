"""Single interaction POST benchmark: ``POST /api/v1/interactions`` vs the one-insert ceiling.

The issue's figure: one interaction posted through the API (authenticated, validated, the
contact upserted, the interaction stored and planned against ten trigger rules) reaches >= 0.40
of the requests/s of the ceiling's ``POST /items`` (one ORM insert), measured in the same round
under the same load (16 connections, 2 gunicorn workers). Every request carries a new
interaction id, for one of 5,000 contacts, so each one records and plans a new interaction.

The per-key API rate limit would answer most of wrk's requests with 429; the product is served
with ``SURVEYAPP_RATELIMIT_ENABLED=false``, as behind a proxy that limits. The verdict takes the
median over alternating ceiling/product rounds.

Usage: ``python bench/api.py [--duration 10] [--rounds 3] [--postgres]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/...`

from bench import foundation, harness
from bench import ingest as ingest_bench
from bench.wrk_statuses import Measured, counting_script
from surveyapp.domain.clock import FixedClock
from surveyapp.models import User
from surveyapp.services import api_keys
from surveyapp.services._db import make_engine, make_session_factory, session_scope

TARGET_RATIO = 0.40
CONTACTS = 5000
PRODUCT_ENV = {"SURVEYAPP_RATELIMIT_ENABLED": "false", "SURVEYAPP_LOG_LEVEL": "warning"}

# Each wrk thread numbers its own requests (offset + k * threads); a random prefix per run
# keeps the warm-up's ids apart from the measured run's.
_LUA_NUMBERED = """
function request()
  if not run then
    math.randomseed(os.time() + position * 7919)
    run = math.random(1, 1000000000)
  end
  position = position + {threads}
  local body = string.format(template, run, position, position % {contacts}, position % {contacts})
  return wrk.format(nil, nil, nil, body)
end
"""


def body_template() -> str:
    """The interaction as JSON, with ``%d`` where the run, the number and the contact go."""
    body = {
        "id": "bench-RUN-NUMBER",
        "touchpoint": "support.ticket_closed",
        "occurred_at": "2026-03-02T08:00:00Z",
        "contact": {"external_id": "C-CONTACT", "email": "c-EMAIL@example.com"},
        "attributes": {"queue": "q3"},
        "agent_name": "Agent",
        "first_response_seconds": 120,
    }
    text = json.dumps(body).replace("%", "%%")
    for placeholder in ("RUN", "NUMBER", "CONTACT", "EMAIL"):
        text = text.replace(placeholder, "%d")
    return text


def prepare_product(url: str) -> str:
    """The ingest benchmark's survey, touchpoint and ten rules, plus an API key; its secret."""
    ingest_bench.prepare(url, FixedClock(ingest_bench.START))
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            admin = session.query(User).one()
            return api_keys.create_key(
                session,
                name="bench",
                scopes=["interactions:write"],
                clock=FixedClock(ingest_bench.START),
                actor=admin,
            ).secret
    finally:
        engine.dispose()


def product_script(secret: str, threads: int) -> str:
    """wrk: POST a new interaction per request, counting answers per status."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {secret}"}
    numbered = _LUA_NUMBERED.format(threads=threads, contacts=CONTACTS)
    template = f"template = [==[{body_template()}]==]\n"
    return counting_script("POST", None, headers) + template + numbered


measure = foundation.measure_counted


def one_round(
    ceiling_url: str, env: dict[str, str], secret: str, settings: foundation.Settings
) -> tuple[Measured, Measured]:
    """The ceiling's POST /items, then the product's POST /api/v1/interactions."""
    item = counting_script("POST", foundation.ITEM_BODY, foundation.JSON_HEADERS)
    ceiling_env = {"CEILING_DATABASE_URL": ceiling_url}
    with harness.serve(harness.CEILING_APP, env=ceiling_env, workers=settings.workers) as url:
        ceiling = measure(url + "/items", item, settings)
    with harness.serve(foundation.PRODUCT_APP, env=env, workers=settings.workers) as url:
        script = product_script(secret, settings.threads)
        product = measure(url + "/api/v1/interactions", script, settings)
    if set(product.statuses) != {201}:
        raise harness.BenchError(f"expected only 201 Created, got {product.statuses}")
    return ceiling, product


def run(settings: foundation.Settings, args: argparse.Namespace) -> float:
    """Fresh databases, then alternating rounds; returns the median ratio."""
    harness.require_tools()
    postgres_server = args.postgres_server if args.postgres else None
    with (
        tempfile.TemporaryDirectory(prefix="surveyapp-bench-") as tmp,
        foundation.databases(Path(tmp), postgres_server) as dbs,
    ):
        print(
            f"surveyapp single interaction POST benchmark ({dbs.kind}): {settings.duration}s per "
            f"figure, {settings.connections} connections, {settings.workers} gunicorn workers, "
            f"{args.rounds} rounds; target >= {TARGET_RATIO:.2f}x of the ceiling's POST /items"
        )
        instance_path = Path(tmp) / "instance"
        instance_path.mkdir()
        env = {**foundation.product_env(dbs.product_url, instance_path), **PRODUCT_ENV}
        secret = prepare_product(dbs.product_url)
        ratios = []
        for number in range(args.rounds):
            ceiling, product = one_round(dbs.ceiling_url, env, secret, settings)
            print(f"\nround {number + 1} of {args.rounds}:")
            harness.print_result("  ceiling POST /items        ", ceiling.result)
            harness.print_ratio("  POST /api/v1/interactions  ", product.result, ceiling.result)
            ratio = product.result.requests_per_second / ceiling.result.requests_per_second
            ratios.append(ratio)
    return statistics.median(ratios)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figure; exit 1 when it could not be measured, 2 when the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per figure")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--postgres-server", default=foundation.DEFAULT_POSTGRES_SERVER)
    args = parser.parse_args(argv)
    settings = foundation.Settings(args.duration, args.connections, args.threads, args.workers)
    try:
        ratio = run(settings, args)
    except harness.BenchError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 1
    passed = ratio >= TARGET_RATIO
    verdict = "PASS" if passed else "FAIL"
    print(f"\nmedian req/s ratio {ratio:.2f} (target >= {TARGET_RATIO:.2f}) {verdict}")
    return 0 if passed else 2


if __name__ == "__main__":
    sys.exit(main())
