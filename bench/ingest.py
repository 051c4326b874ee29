"""Batch ingest benchmark: interactions recorded and planned, as a ratio to bare inserts.

The issue's figure: >= 2,000 interactions/s including planning, in batches of 500, with 10
trigger rules and 50,000 contacts. The reference measured in the same run on the same kind of
database is a bare Core executemany of the same number of rows into a one-table schema (what
a database can take with no rules at all); the ratio shows what planning costs.

Usage: ``python bench/ingest.py [--interactions 100000] [--contacts 50000] [--postgres]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/...`

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table

from bench import foundation
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentChannel, ConsentPolicy
from surveyapp.domain.roles import Role
from surveyapp.models import SurveyKind
from surveyapp.services import consent, ingest, schema, surveys, touchpoints, trigger_rules, users
from surveyapp.services._db import make_engine, make_session_factory, session_scope
from surveyapp.services.contacts import ContactData
from surveyapp.services.touchpoints import InteractionData
from surveyapp.services.trigger_rules import RuleSettings

TARGET_PER_SECOND = 2000
BATCH = 500
RULES = 10
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def prepare(url: str, clock: FixedClock) -> None:
    """Migrate, then one published NPS survey, a touchpoint with ten rules, opt-out email."""
    engine = make_engine(url)
    schema.upgrade(engine)
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
            name="NPS",
            kind=SurveyKind.TRANSACTIONAL,
            template="nps",
            clock=clock,
            actor=admin,
        )
        surveys.publish(session, survey.id, clock=clock, actor=admin)
        touchpoint = touchpoints.create_touchpoint(
            session, key="support.ticket_closed", name="Ticket closed", clock=clock, actor=admin
        )
        for number in range(RULES):
            condition = {
                "source": "interaction",
                "attribute": "queue",
                "op": "eq",
                "value": f"q{number}",
            }
            trigger_rules.save_rule(
                session,
                RuleSettings(
                    name=f"Queue {number}",
                    touchpoint_id=touchpoint.id,
                    survey_id=survey.id,
                    priority=number,
                    sampling_rate=0.5,
                    conditions=[condition],
                    quiet={"start": "21:00", "end": "08:00"},
                    daily_cap=100_000,
                ),
                clock=clock,
                actor=admin,
            )
        consent.set_policy(
            session, ConsentChannel.EMAIL, ConsentPolicy.OPT_OUT, clock=clock, actor=admin
        )
    engine.dispose()


def items(start: int, count: int, contacts: int) -> list[InteractionData]:
    """``count`` interactions from number ``start``, spread over ``contacts`` contacts."""
    return [
        InteractionData(
            idempotency_key=f"T-{n}",
            touchpoint_key="support.ticket_closed",
            contact=ContactData(
                f"C-{n % contacts}",
                email=f"c{n % contacts}@example.com",
                timezone="Europe/Berlin",
                attributes={"plan": "pro" if n % 3 else "basic"},
            ),
            occurred_at=START - timedelta(minutes=n % 600),
            attributes={"queue": f"q{n % RULES}"},
            agent_name="Agent",
            first_response_seconds=120,
        )
        for n in range(start, start + count)
    ]


def measure_product(url: str, total: int, contacts: int) -> float:
    """Interactions per second through ``ingest.record_interactions`` (one commit per batch)."""
    clock = FixedClock(START)
    prepare(url, clock)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    elapsed = 0.0
    for start in range(0, total, BATCH):
        batch = items(start, min(BATCH, total - start), contacts)
        began = time.perf_counter()
        with session_scope(factory) as session:
            ingest.record_interactions(session, batch, clock=clock)
        elapsed += time.perf_counter() - began
    engine.dispose()
    return total / elapsed


def measure_reference(url: str, total: int) -> float:
    """Rows per second of a bare executemany into one table, the same batch size."""
    metadata = MetaData()
    table = Table(
        "reference_rows",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("key", String(200), unique=True),
        Column("occurred_at", DateTime(timezone=True)),
    )
    engine = make_engine(url)
    metadata.create_all(engine)
    elapsed = 0.0
    for start in range(0, total, BATCH):
        rows = [{"key": f"T-{n}", "occurred_at": START} for n in range(start, start + BATCH)]
        began = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(table.insert(), rows)
        elapsed += time.perf_counter() - began
    engine.dispose()
    return total / elapsed


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the figure with its ratio to the reference."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--interactions", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--postgres-server", default=foundation.DEFAULT_POSTGRES_SERVER)
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="surveyapp-bench-") as tmp,
        foundation.databases(Path(tmp), args.postgres_server if args.postgres else None) as dbs,
    ):
        print(
            f"surveyapp ingest benchmark ({dbs.kind}): {args.interactions} interactions in "
            f"batches of {BATCH}, {RULES} rules, {args.contacts} contacts"
        )
        reference = measure_reference(dbs.ceiling_url, args.interactions)
        product = measure_product(dbs.product_url, args.interactions, args.contacts)
    verdict = "PASS" if product >= TARGET_PER_SECOND else "FAIL"
    print(f"  reference (bare executemany): {reference:10.0f} rows/s")
    print(
        f"  product (ingest + planning):  {product:10.0f} interactions/s  "
        f"= {product / reference:.3f}x the reference; target >= {TARGET_PER_SECOND}/s {verdict}"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
