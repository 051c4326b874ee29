"""Website widget benchmark: embed.js's gzipped size and the eligibility endpoint's requests/s.

Figures:

- ``static/js/embed.js`` gzipped (level 9), target <= 10 KB;
- ``POST /embed/v1/sites/<key>/eligibility`` (what ``surveyapp.track`` calls on every page
  event) vs the ceiling's ``GET /healthz`` (one ``SELECT 1``), measured in the same round under
  the same load (16 connections, 2 gunicorn workers), target >= 0.50. Deciding reads only, so
  the read reference is the fair one.

Each request is a signed ``identify`` of one of 2,000 contacts (5,000 in the database) with an
event at a touchpoint that has one website rule (a 30-day recontact period, opt-out). Half of
those contacts were shown a survey in the last days, so their answer is "nothing" for the
recontact period; the others get an offer (a sealed token). The ``Origin`` header is one of the
site's allowed origins, as a browser sends it. The per-address rate limit would answer most of
wrk's requests (one address) with 429, so the product is served with
``SURVEYAPP_RATELIMIT_ENABLED=false``, as behind a proxy that limits. The verdict takes the
median over alternating ceiling/product rounds.

Usage: ``python bench/embed.py [--duration 10] [--rounds 3] [--postgres]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/...`

from sqlalchemy import insert, select

from bench import foundation, harness
from bench.wrk_statuses import Measured, counting_script
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentChannel, ConsentPolicy
from surveyapp.domain.embed import sign_contact
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState
from surveyapp.domain.tokens import generate_token, hash_token
from surveyapp.models import Channel, Contact, Invitation, SurveyKind, SurveyVersion
from surveyapp.services import consent, schema, surveys, touchpoints, trigger_rules, users
from surveyapp.services._db import make_engine, make_session_factory, session_scope
from surveyapp.services.embed import sites
from surveyapp.services.trigger_rules import RuleSettings

EMBED_JS = harness.PROJECT_ROOT / "static" / "js" / "embed.js"
TARGET_SIZE = 10 * 1024
TARGET_RATIO = 0.50
CONTACTS = 5000
ROTATED = 2000
ORIGIN = "https://shop.example"
EVENT = "checkout.completed"
# The product's secret key must be known here: site secrets are derived from it.
APP_SECRET = "bench-secret-key-that-is-long-enough-for-a-benchmark"  # noqa: S105
PRODUCT_ENV = {
    "SURVEYAPP_RATELIMIT_ENABLED": "false",
    "SURVEYAPP_LOG_LEVEL": "warning",
    "SURVEYAPP_SECRET_KEY": APP_SECRET,
}
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

_LUA_BODIES = """
function request()
  position = position + {threads}
  return wrk.format(nil, nil, nil, bodies[(position % #bodies) + 1])
end
"""


def embed_size() -> int:
    """embed.js as the browser downloads it from a server that compresses (gzip, level 9)."""
    return len(gzip.compress(EMBED_JS.read_bytes(), compresslevel=9))


def prepare(url: str) -> tuple[str, str]:
    """Migrate, then the survey, touchpoint, web rule, site, contacts and recent displays.

    Returns the site key and its secret.
    """
    clock = FixedClock(START)
    engine = make_engine(url)
    schema.upgrade(engine)
    try:
        with session_scope(make_session_factory(engine)) as session:
            admin = users.create_user(
                session,
                email="bench@example.com",
                name="Bench",
                role=Role.ADMIN,
                password="bench-password-long",  # noqa: S106 -- a throwaway benchmark user
                clock=clock,
                actor=None,
            ).user
            survey = surveys.create_survey(
                session,
                name="After checkout",
                kind=SurveyKind.TRANSACTIONAL,
                template="nps",
                clock=clock,
                actor=admin,
            )
            version = surveys.publish(session, survey.id, clock=clock, actor=admin)
            touchpoint = touchpoints.create_touchpoint(
                session, key=EVENT, name="Checkout", clock=clock, actor=admin
            )
            trigger_rules.save_rule(
                session,
                RuleSettings(
                    name="After checkout",
                    touchpoint_id=touchpoint.id,
                    survey_id=survey.id,
                    channel=ConsentChannel.WEB,
                    delay_minutes=0,
                    recontact_days_contact=30,
                    recontact_days_survey=90,
                ),
                clock=clock,
                actor=admin,
            )
            consent.set_policy(
                session, ConsentChannel.WEB, ConsentPolicy.OPT_OUT, clock=clock, actor=admin
            )
            created = sites.create_site(
                session,
                sites.SiteSettings(name="Shop", allowed_origins=[ORIGIN]),
                app_secret=APP_SECRET,
                clock=clock,
                actor=admin,
            )
            _seed_contacts(session, version, clock.now())
            return created.site.site_key, created.secret
    finally:
        engine.dispose()


def _seed_contacts(session: Any, version: SurveyVersion, now: datetime) -> None:
    """Contacts B-0..B-4999; every second one was shown the survey some days ago."""
    rows = [
        {
            "external_id": f"B-{number}",
            "email": f"b{number}@example.com",
            "locale": "en",
            "attributes": {},
            "created_at": now,
            "updated_at": now,
        }
        for number in range(CONTACTS)
    ]
    session.execute(insert(Contact), rows)
    ids = session.execute(select(Contact.external_id, Contact.id)).all()
    shown_at = now - timedelta(days=3)
    invitations = [
        {
            "token_hash": hash_token(generate_token()),
            "survey_version_id": version.id,
            "contact_id": contact_id,
            "channel": Channel.WEB,
            "locale": "en",
            "state": InvitationState.SENT,
            "send_at": shown_at,
            "sent_at": shown_at,
            "checks": [],
            "suppression_reasons": [],
            "created_at": shown_at,
            "expires_at": shown_at + timedelta(days=14),
            "attempts": 0,
            "reminder_attempts": 0,
        }
        for external_id, contact_id in ids
        if int(external_id.split("-")[1]) % 2 == 0
    ]
    session.execute(insert(Invitation), invitations)


def product_script(site_secret: str, threads: int) -> str:
    """wrk: POST one of ``ROTATED`` signed track calls per request, counting statuses."""
    headers = {"Content-Type": "application/json", "Origin": ORIGIN}
    bodies = []
    for number in range(ROTATED):
        contact = f"B-{number}"
        body = {
            "event": EVENT,
            "attributes": {"order_value": 129.9},
            "contact_id": contact,
            "signature": sign_contact(site_secret, contact),
            "locale": "en-US",
        }
        bodies.append(f"[==[{json.dumps(body)}]==]")
    table = "bodies = {" + ",\n".join(bodies) + "}\n"
    return counting_script("POST", None, headers) + table + _LUA_BODIES.format(threads=threads)


measure = foundation.measure_counted


def one_round(
    ceiling_url: str, env: dict[str, str], site_key: str, script: str, settings: foundation.Settings
) -> tuple[Measured, Measured]:
    """The ceiling's GET /healthz, then the product's eligibility POST."""
    healthz = counting_script("GET", None, None)
    ceiling_env = {"CEILING_DATABASE_URL": ceiling_url}
    with harness.serve(harness.CEILING_APP, env=ceiling_env, workers=settings.workers) as url:
        ceiling = measure(url + "/healthz", healthz, settings)
    with harness.serve(foundation.PRODUCT_APP, env=env, workers=settings.workers) as url:
        product = measure(url + f"/embed/v1/sites/{site_key}/eligibility", script, settings)
    if set(product.statuses) != {200}:
        raise harness.BenchError(f"expected only 200 OK, got {product.statuses}")
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
            f"surveyapp website widget benchmark ({dbs.kind}): {settings.duration}s per figure, "
            f"{settings.connections} connections, {settings.workers} gunicorn workers, "
            f"{args.rounds} rounds; target >= {TARGET_RATIO:.2f}x of the ceiling's GET /healthz"
        )
        instance_path = Path(tmp) / "instance"
        instance_path.mkdir()
        env = {**foundation.product_env(dbs.product_url, instance_path), **PRODUCT_ENV}
        site_key, secret = prepare(dbs.product_url)
        script = product_script(secret, settings.threads)
        ratios = []
        for number in range(args.rounds):
            ceiling, product = one_round(dbs.ceiling_url, env, site_key, script, settings)
            print(f"\nround {number + 1} of {args.rounds}:")
            harness.print_result("  ceiling GET /healthz        ", ceiling.result)
            harness.print_ratio("  POST .../eligibility        ", product.result, ceiling.result)
            ratios.append(product.result.requests_per_second / ceiling.result.requests_per_second)
    return statistics.median(ratios)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures; exit 1 when they could not be measured, 2 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per figure")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--postgres-server", default=foundation.DEFAULT_POSTGRES_SERVER)
    args = parser.parse_args(argv)
    size = embed_size()
    size_passed = size <= TARGET_SIZE
    print(
        f"embed.js gzipped: {size} bytes ({size / 1024:.1f} KB; target <= 10 KB) "
        f"{'PASS' if size_passed else 'FAIL'}\n"
    )
    settings = foundation.Settings(args.duration, args.connections, args.threads, args.workers)
    try:
        ratio = run(settings, args)
    except harness.BenchError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 1
    passed = ratio >= TARGET_RATIO
    print(
        f"\nmedian req/s ratio {ratio:.2f} (target >= {TARGET_RATIO:.2f}) "
        f"{'PASS' if passed else 'FAIL'}"
    )
    return 0 if passed and size_passed else 2


if __name__ == "__main__":
    sys.exit(main())
