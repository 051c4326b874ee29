"""Reporting benchmark: the dashboard and the weekly NPS table on 1,000,000 responses.

The issue's figures, each as a ratio to a *bare GROUP BY* over the same ``responses`` table
measured in the same round (``SELECT score, count(*) FROM responses GROUP BY score``, every
response lying in the year: the least a query reading the year's responses can do):

1. the dashboard's server time for one touchpoint over the whole year: ``GET /reports/`` in
   process (Flask test client, signed in: filters, KPIs with the previous-year comparison,
   weekly trends, distribution, response rate, loop metrics, root causes, the rendered page);
2. the weekly NPS per touchpoint table over the year (``weekly_by_touchpoint``).

Goal: both below 1.0 (faster than the bare GROUP BY), through the daily rollups. The rollup
rebuild time (``flask reports rebuild-rollups``'s service) is printed for information.

The data: 10 touchpoints of 3 teams, one NPS survey, 1,000,000 answered invitations spread
uniformly over the past 365 days (email and website, two languages), a case for every
twentieth response (opened, acted on, most resolved, some tagged with a root cause).

Usage: ``python bench/reporting.py [--responses 1000000] [--rounds 5] [--postgres]``.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/...`

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from bench import foundation, harness
from config import Config
from surveyapp.app import create_app
from surveyapp.domain.case_rules import CasePriority, score_band
from surveyapp.domain.case_states import CaseStatus
from surveyapp.domain.consent import ConsentChannel
from surveyapp.domain.roles import Role
from surveyapp.domain.scoring import QuestionType, derive_scores
from surveyapp.domain.states import InvitationState
from surveyapp.models import (
    Case,
    Channel,
    Invitation,
    Response,
    ResponseStatus,
    RootCause,
    SurveyKind,
    TriggerRule,
)
from surveyapp.models.cases import case_root_causes
from surveyapp.runtime import get_runtime
from surveyapp.services import schema, surveys, teams, touchpoints, users
from surveyapp.services._db import make_engine, session_scope
from surveyapp.services.reporting import rollups
from surveyapp.services.reporting.dashboard import weekly_by_touchpoint
from surveyapp.services.reporting.filters import ReportFilters

DEFAULT_RESPONSES = 1_000_000
TOUCHPOINTS = 10
BATCH = 20_000
CASE_EVERY = 20
EMAIL = "bench-cx@example.com"
PASSWORD = "bench password that is long enough"  # noqa: S105 -- a throwaway bench user
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NPS_SCORES = [0, 2, 4, 5, 6, 6, 7, 7, 8, 8, 9, 9, 9, 10, 10, 10]
# Every response lies in the measured year, so the reference reads the whole table in one
# sequential scan: faster than the same query with a date range (which SQLite answers through
# the started_at index, row by row), so the ratio is the stricter one.
BARE_GROUP_BY = text("SELECT score, count(*) FROM responses GROUP BY score")


def prepare(app: Flask, responses: int, now: datetime) -> list[int]:
    """Create staff, teams, touchpoints, rules, ``responses`` answered invitations and cases."""
    runtime = get_runtime(app)
    rng = random.Random(9)
    with session_scope(runtime.session_factory) as session:
        owner = users.create_user(
            session,
            email=EMAIL,
            name="Bench CX owner",
            role=Role.CX_OWNER,
            password=PASSWORD,
            clock=runtime.clock,
            actor=None,
        ).user
        team_ids = [
            teams.create_team(session, name=f"Team {n}", clock=runtime.clock, actor=None).id
            for n in range(3)
        ]
        survey = surveys.create_survey(
            session,
            name="Bench NPS",
            kind=SurveyKind.TRANSACTIONAL,
            template="nps",
            clock=runtime.clock,
            actor=owner,
        )
        version = surveys.publish(session, survey.id, clock=runtime.clock, actor=owner)
        points = [
            touchpoints.create_touchpoint(
                session,
                key=f"bench.point{n}",
                name=f"Touchpoint {n}",
                team_id=team_ids[n % 3],
                clock=runtime.clock,
                actor=None,
            )
            for n in range(TOUCHPOINTS)
        ]
        rule_ids = _rules(session, [p.id for p in points], survey.id, now)
        causes = [RootCause(name=f"Cause {n}", created_at=now) for n in range(8)]
        session.add_all(causes)
        session.flush()
        _answers(session, version.id, rule_ids, responses, now, rng)
        touchpoint_of_rule = dict(zip(rule_ids, [(p.id, p.team_id) for p in points], strict=True))
        _cases(session, touchpoint_of_rule, [c.id for c in causes], rng)
    return [p.id for p in points]


def _rules(session: Session, touchpoint_ids: list[int], survey_id: int, now: datetime) -> list[int]:
    rows = [
        {
            "name": f"Rule {n}",
            "touchpoint_id": touchpoint_id,
            "survey_id": survey_id,
            "channel": ConsentChannel.EMAIL,
            "delay_minutes": 60,
            "sampling_rate": 1.0,
            "strata": {},
            "quiet": {},
            "holidays": [],
            "conditions": [],
            "expiry_days": 14,
            "priority": 100,
            "is_active": True,
            "allow_anonymous": False,
            "created_at": now,
            "updated_at": now,
        }
        for n, touchpoint_id in enumerate(touchpoint_ids)
    ]
    session.execute(insert(TriggerRule), rows)
    return list(session.scalars(select(TriggerRule.id).order_by(TriggerRule.id)))


def _answers(  # noqa: PLR0917 -- one private loader
    session: Session,
    version_id: int,
    rule_ids: list[int],
    count: int,
    now: datetime,
    rng: random.Random,
) -> None:
    year = 365 * 24 * 60
    for start in range(0, count, BATCH):
        invitations, answers = [], []
        for number in range(start + 1, min(start + BATCH, count) + 1):
            at = now - timedelta(minutes=rng.randrange(year))
            score = rng.choice(NPS_SCORES)
            derived = derive_scores(QuestionType.NPS, score)
            channel = Channel.EMAIL if number % 4 else Channel.WEB
            locale = "de" if number % 3 == 0 else "en"
            invitations.append(
                {
                    "id": number,
                    "token_hash": f"{number:064x}",
                    "survey_version_id": version_id,
                    "channel": channel,
                    "locale": locale,
                    "trigger_rule_id": rule_ids[number % len(rule_ids)],
                    "state": InvitationState.ANSWERED,
                    "checks": [],
                    "suppression_reasons": [],
                    "created_at": at - timedelta(hours=2),
                    "expires_at": at + timedelta(days=14),
                    "sent_at": at - timedelta(hours=1),
                }
            )
            answers.append(
                {
                    "id": number,
                    "survey_version_id": version_id,
                    "invitation_id": number,
                    "channel": channel,
                    "locale": locale,
                    "status": ResponseStatus.COMPLETE,
                    "answers": {"score": score},
                    "score": score,
                    "nps_category": derived.nps_category,
                    "is_unhappy": derived.is_unhappy,
                    "has_comment": False,
                    "contact_requested": False,
                    "started_at": at,
                    "updated_at": at,
                    "submitted_at": at,
                }
            )
        session.execute(insert(Invitation), invitations)
        session.execute(insert(Response), answers)
        print(f"  {start + len(answers):,} responses", end="\r", flush=True)
    print()


def _cases(
    session: Session,
    touchpoint_of_rule: dict[int, tuple[int, int | None]],
    causes: list[int],
    rng: random.Random,
) -> None:
    unhappy = session.execute(
        select(Response.id, Response.score, Response.started_at, Invitation.trigger_rule_id)
        .join(Invitation, Response.invitation_id == Invitation.id)
        .where(Response.is_unhappy.is_(True), Response.id % CASE_EVERY == 0)
    ).all()
    rows = []
    for response_id, score, at, rule_id in unhappy:
        touchpoint_id, team_id = touchpoint_of_rule[rule_id]
        resolved = at + timedelta(hours=rng.uniform(2, 120)) if rng.random() < 0.8 else None
        rows.append(
            {
                "response_id": response_id,
                "touchpoint_id": touchpoint_id,
                "team_id": team_id,
                "status": CaseStatus.CLOSED if resolved else CaseStatus.IN_PROGRESS,
                "priority": CasePriority.NORMAL,
                "score": score,
                "score_band": score_band(QuestionType.NPS, score),
                "reasons": ["score"],
                "opened_at": at,
                "updated_at": at,
                "first_action_at": at + timedelta(hours=rng.uniform(0.1, 30)),
                "first_action_due_at": at + timedelta(hours=24),
                "resolution_due_at": at + timedelta(hours=72),
                "resolved_at": resolved,
                "closed_at": resolved,
                "escalation_level": 0,
                "resolution": "",
                "reopen_count": 0,
                "version": 1,
            }
        )
    for start in range(0, len(rows), BATCH):
        session.execute(insert(Case), rows[start : start + BATCH])
    tagged = session.scalars(select(Case.id).where(Case.id % 2 == 0)).all()
    session.execute(
        insert(case_root_causes),
        [{"case_id": c, "root_cause_id": rng.choice(causes)} for c in tagged],
    )
    print(f"  {len(rows):,} cases")


def sign_in(client: FlaskClient) -> None:
    """Sign the test client in as the benchmark's CX owner."""
    page = client.get("/login").get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    if match is None:
        raise harness.BenchError("no CSRF token on /login")
    answer = client.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": match.group(1)}
    )
    if answer.status_code != 302:
        raise harness.BenchError(f"sign-in failed with HTTP {answer.status_code}")


def timed(action: Callable[[], Any]) -> float:
    """Wall time of ``action`` in milliseconds."""
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def run(args: argparse.Namespace) -> None:
    """Prepare the data, rebuild the rollups, measure ``--rounds`` alternating rounds."""
    postgres_server = args.postgres_server if args.postgres else None
    with (
        tempfile.TemporaryDirectory(prefix="surveyapp-bench-") as tmp,
        foundation.databases(Path(tmp), postgres_server) as dbs,
    ):
        instance = Path(tmp) / "instance"
        instance.mkdir()
        env = foundation.product_env(dbs.product_url, instance)
        engine = make_engine(dbs.product_url)
        schema.upgrade(engine)
        engine.dispose()
        app = create_app(Config.from_env({**env, "SURVEYAPP_LOG_LEVEL": "warning"}))
        runtime = get_runtime(app)
        now = datetime.now(UTC)
        print(f"surveyapp reporting benchmark: {dbs.kind}, {args.responses:,} responses")
        started = time.perf_counter()
        touchpoint_ids = prepare(app, args.responses, now)
        print(f"data loaded in {time.perf_counter() - started:.0f} s")
        with session_scope(runtime.session_factory) as session:
            rebuild_ms = timed(lambda: rollups.rebuild_rollups(session, clock=runtime.clock))
            rows = session.scalar(text("SELECT count(*) FROM report_daily_scores"))
        if dbs.kind == "postgresql":
            _analyze(app)
        print(f"rollups rebuilt in {rebuild_ms / 1000:.1f} s: {rows:,} rollup rows")
        try:
            measure(app, args.rounds, touchpoint_ids, now.date())
        finally:
            runtime.engine.dispose()


def _analyze(app: Flask) -> None:
    with (
        get_runtime(app)
        .engine.connect()
        .execution_options(isolation_level="AUTOCOMMIT") as connection
    ):
        connection.execute(text("ANALYZE"))


def measure(app: Flask, rounds: int, touchpoint_ids: Sequence[int], today: date) -> None:
    """Alternate the bare GROUP BY with each product figure; print per round and medians."""
    runtime = get_runtime(app)
    year = ReportFilters(date_from=today - timedelta(days=364), date_to=today)
    touchpoint = touchpoint_ids[3]
    client = app.test_client()
    sign_in(client)
    path = f"/reports/?date_from={year.date_from}&date_to={year.date_to}&touchpoint_id={touchpoint}"

    def bare_group_by() -> None:
        with runtime.engine.connect() as connection:
            connection.execute(BARE_GROUP_BY).all()

    def dashboard() -> None:
        answer = client.get(path)
        if answer.status_code != 200:
            raise harness.BenchError(f"dashboard answered HTTP {answer.status_code}")

    def weekly_table() -> None:
        with Session(runtime.engine) as session:
            if not weekly_by_touchpoint(session, year):
                raise harness.BenchError("the weekly table is empty")

    for action in (bare_group_by, dashboard, weekly_table):  # warm caches and plans
        action()
    figures: dict[str, list[tuple[float, float]]] = {"dashboard": [], "weekly": []}
    print(
        "ratio = product time / bare GROUP BY time in the same round; goal < 1.00\n"
        f"round  {'GROUP BY ms':>12} {'dashboard ms':>13} {'ratio':>6} "
        f"{'GROUP BY ms':>12} {'weekly ms':>10} {'ratio':>6}"
    )
    for number in range(1, rounds + 1):
        reference_a, board = timed(bare_group_by), timed(dashboard)
        reference_b, weekly = timed(bare_group_by), timed(weekly_table)
        figures["dashboard"].append((board, board / reference_a))
        figures["weekly"].append((weekly, weekly / reference_b))
        print(
            f"{number:>5}  {reference_a:>12.1f} {board:>13.1f} {board / reference_a:>6.2f} "
            f"{reference_b:>12.1f} {weekly:>10.1f} {weekly / reference_b:>6.2f}"
        )
    for name, label in (
        ("dashboard", "dashboard, one touchpoint, whole year"),
        ("weekly", "weekly NPS per touchpoint table, whole year"),
    ):
        ratio = statistics.median(r for _, r in figures[name])
        milliseconds = statistics.median(ms for ms, _ in figures[name])
        verdict = "PASS" if ratio < 1 else "FAIL"
        print(f"median {label}: {milliseconds:.1f} ms, ratio {ratio:.2f} (goal < 1.00) {verdict}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--responses", type=int, default=DEFAULT_RESPONSES)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (median)")
    parser.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database")
    parser.add_argument(
        "--postgres-server",
        default=foundation.DEFAULT_POSTGRES_SERVER,
        help="server URL used with --postgres (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 1 when it could not measure."""
    try:
        run(_parser().parse_args(argv))
    except harness.BenchError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
