"""Case inbox benchmark: the staff inbox with 100,000 cases in the database vs the ceiling app.

The issue's figure: ``GET /cases/`` (a manager's inbox: their teams' open cases, most urgent
first, the tab counts, the workload, the navigation badge) reaches >= 0.30 of the requests/s of
the ceiling's ``GET /healthz`` measured in the same round under the same load (16 connections,
2 gunicorn workers), on SQLite and on PostgreSQL (``--postgres``). A second figure, informative,
lists every case of the teams newest first (``?status=any&sort=newest``). The verdict takes the
median over alternating ceiling/product rounds.

The data: 3 teams of 10 agents, 5 touchpoints, 20,000 contacts and 100,000 cases (one response
each), about a tenth of them open, opened over the past year, spread over owners, priorities
and score bands; closed ones tagged with a root cause.

Usage: ``python bench/cases.py [--duration 10] [--rounds 3] [--cases 100000] [--postgres]``.
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import statistics
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/...`

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from bench import foundation, harness
from bench.wrk_statuses import counting_script
from config import Config
from surveyapp.app import create_app
from surveyapp.domain.case_rules import CasePriority, ScoreBand, score_band
from surveyapp.domain.case_states import CaseStatus
from surveyapp.domain.roles import Role
from surveyapp.domain.scoring import QuestionType, derive_scores
from surveyapp.models import (
    Case,
    Channel,
    Contact,
    Response,
    ResponseStatus,
    RootCause,
    SurveyKind,
    User,
)
from surveyapp.models.associations import team_members
from surveyapp.models.cases import case_root_causes
from surveyapp.runtime import get_runtime
from surveyapp.services import surveys, teams, touchpoints, users
from surveyapp.services._db import session_scope
from surveyapp.services.auth import hash_password

TARGET_RATIO = 0.30
DEFAULT_CASES = 100_000
CONTACTS = 20_000
AGENTS_PER_TEAM = 10
BATCH = 10_000
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MANAGER_EMAIL = "manager@bench.example"
PASSWORD = "bench password that is long enough"  # noqa: S105 -- a throwaway benchmark account
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
BROWSER_HEADERS = {"Accept-Language": "en", "Accept": "text/html"}
FIGURES = (
    ("GET /cases/ (my teams, open, most urgent first)", "/cases/"),
    ("GET /cases/?status=any&sort=newest", "/cases/?status=any&sort=newest"),
)
OPEN = (CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_ON_CUSTOMER)


# --- the product's data -----------------------------------------------------------------------


def prepare_product(env: Mapping[str, str], cases: int) -> None:
    """Create the teams, staff, touchpoints, contacts, responses and ``cases`` cases."""
    app = create_app(Config.from_env({**env, "SURVEYAPP_LOG_LEVEL": "warning"}))
    runtime = get_runtime(app)
    clock = runtime.clock
    rng = random.Random(8)
    try:
        with session_scope(runtime.session_factory) as session:
            manager = users.create_user(
                session,
                email=MANAGER_EMAIL,
                name="Bench Manager",
                role=Role.MANAGER,
                password=PASSWORD,
                clock=clock,
                actor=None,
            ).user
            team_list = [
                teams.create_team(session, name=f"Team {n}", clock=clock, actor=None)
                for n in range(3)
            ]
            manager.teams.append(team_list[0])
            agents = _agents(session, [team.id for team in team_list])
            survey = surveys.create_survey(
                session,
                name="Bench NPS",
                kind=SurveyKind.TRANSACTIONAL,
                template="nps",
                clock=clock,
                actor=manager,
            )
            version = surveys.publish(session, survey.id, clock=clock, actor=manager)
            points = [
                touchpoints.create_touchpoint(
                    session,
                    key=f"bench.point{n}",
                    name=f"Touchpoint {n}",
                    team_id=team_list[n % 3].id,
                    clock=clock,
                    actor=None,
                )
                for n in range(5)
            ]
            causes = [
                RootCause(name=f"Cause {n}", description="", is_active=True, created_at=NOW)
                for n in range(10)
            ]
            session.add_all(causes)
            session.flush()
            contact_ids = _contacts(session)
            response_ids = _responses(session, version.id, cases, rng)
            _cases(
                session,
                response_ids,
                rng,
                contact_ids=contact_ids,
                touchpoints=[(p.id, p.team_id) for p in points],
                agents=agents,
                causes=[cause.id for cause in causes],
            )
        _analyze(runtime.engine)
    finally:
        runtime.engine.dispose()


def _analyze(engine: Engine) -> None:
    """On PostgreSQL, what autovacuum does within a minute of a bulk load: statistics and the
    visibility map (index-only scans), so that the first round does not measure a cold table."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def _agents(session: Session, team_ids: list[int]) -> dict[int, list[int]]:
    """``AGENTS_PER_TEAM`` agents per team (one password hash for all): ids per team."""
    password_hash = hash_password(PASSWORD)
    agents: dict[int, list[int]] = {}
    for team_id in team_ids:
        ids = session.scalars(
            insert(User).returning(User.id),
            [
                {
                    "email": f"agent{team_id}-{n}@bench.example",
                    "name": f"Agent {team_id}-{n}",
                    "password_hash": password_hash,
                    "role": Role.AGENT,
                    "is_active": True,
                    "created_at": NOW,
                }
                for n in range(AGENTS_PER_TEAM)
            ],
        ).all()
        session.execute(insert(team_members), [{"team_id": team_id, "user_id": i} for i in ids])
        agents[team_id] = list(ids)
    return agents


def _contacts(session: Session) -> list[int]:
    session.execute(
        insert(Contact),
        [
            {
                "external_id": f"C-{n}",
                "email": f"c{n}@example.com",
                "name": f"Customer {n}",
                "locale": "en",
                "attributes": {},
                "created_at": NOW,
                "updated_at": NOW,
            }
            for n in range(CONTACTS)
        ],
    )
    return list(session.scalars(select(Contact.id).order_by(Contact.id)))


def _responses(session: Session, version_id: int, count: int, rng: random.Random) -> list[int]:
    for start in range(0, count, BATCH):
        rows = []
        for _ in range(start, min(start + BATCH, count)):
            score = rng.choice([0, 1, 2, 3, 4, 5, 6, 6, 5, 4, 9])
            derived = derive_scores(QuestionType.NPS, score)
            at = NOW - timedelta(minutes=rng.randrange(365 * 24 * 60))
            rows.append(
                {
                    "survey_version_id": version_id,
                    "channel": Channel.EMAIL,
                    "locale": "en",
                    "status": ResponseStatus.COMPLETE,
                    "answers": {"score": score},
                    "score": score,
                    "nps_category": derived.nps_category,
                    "is_unhappy": derived.is_unhappy,
                    "started_at": at,
                    "updated_at": at,
                    "submitted_at": at,
                }
            )
        session.execute(insert(Response), rows)
    return list(session.scalars(select(Response.id).order_by(Response.id)))


def _cases(
    session: Session,
    response_ids: Sequence[int],
    rng: random.Random,
    *,
    contact_ids: Sequence[int],
    touchpoints: Sequence[tuple[int, int | None]],
    agents: Mapping[int, list[int]],
    causes: Sequence[int],
) -> None:
    scores = dict(session.execute(select(Response.id, Response.score)).all())
    for start in range(0, len(response_ids), BATCH):
        rows = [
            _case_row(
                rid,
                scores[rid],
                rng,
                contact_ids=contact_ids,
                touchpoints=touchpoints,
                agents=agents,
            )
            for rid in response_ids[start : start + BATCH]
        ]
        session.execute(insert(Case), rows)
    closed = session.scalars(
        select(Case.id).where(Case.status.in_([CaseStatus.RESOLVED, CaseStatus.CLOSED]))
    ).all()
    for start in range(0, len(closed), BATCH):
        session.execute(
            insert(case_root_causes),
            [
                {"case_id": c, "root_cause_id": rng.choice(causes)}
                for c in closed[start : start + BATCH]
            ],
        )


def _case_row(
    response_id: int,
    score: int,
    rng: random.Random,
    *,
    contact_ids: Sequence[int],
    touchpoints: Sequence[tuple[int, int | None]],
    agents: Mapping[int, list[int]],
) -> dict[str, object]:
    touchpoint_id, team_id = rng.choice(touchpoints)
    opened = NOW - timedelta(minutes=rng.randrange(365 * 24 * 60))
    is_open = rng.random() < 0.1
    status = rng.choice(OPEN) if is_open else rng.choice([CaseStatus.RESOLVED, CaseStatus.CLOSED])
    owner = rng.choice(agents[team_id]) if team_id and rng.random() < 0.8 else None
    band = score_band(QuestionType.NPS, score)
    acted = status != CaseStatus.NEW
    return {
        "response_id": response_id,
        "contact_id": rng.choice(contact_ids),
        "touchpoint_id": touchpoint_id,
        "team_id": team_id,
        "owner_id": owner,
        "status": status,
        "priority": CasePriority.HIGH if band == ScoreBand.VERY_UNHAPPY else CasePriority.NORMAL,
        "score": score,
        "score_band": band,
        "reasons": ["score"],
        "opened_at": opened,
        "updated_at": opened,
        "first_action_at": opened + timedelta(hours=2) if acted else None,
        "first_action_due_at": opened + timedelta(hours=24),
        "resolution_due_at": opened + timedelta(hours=72),
        "resolved_at": opened + timedelta(hours=30) if not is_open else None,
        "closed_at": None,
        "escalation_level": 0,
        "resolution": "" if is_open else "Called and fixed.",
        "reopen_count": 0,
        "version": 1,
    }


def sign_in(base_url: str) -> str:
    """Sign in as the bench manager like a browser; the session cookie for wrk."""
    host = urlsplit(base_url).netloc
    connection = http.client.HTTPConnection(host, timeout=10)
    try:
        connection.request("GET", "/login", headers=BROWSER_HEADERS)
        answer = connection.getresponse()
        page = answer.read().decode()
        cookie = _cookies(answer)
        token = CSRF_RE.search(page)
        if token is None:
            raise harness.BenchError("the sign-in page has no CSRF token")
        body = urlencode({"email": MANAGER_EMAIL, "password": PASSWORD, "csrf_token": token[1]})
        headers = {
            **BROWSER_HEADERS,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
        }
        connection.request("POST", "/login", body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        if answer.status != 302:
            raise harness.BenchError(f"signing in answered {answer.status}")
        return _cookies(answer) or cookie
    finally:
        connection.close()


def _cookies(answer: http.client.HTTPResponse) -> str:
    pairs = [header.split(";", 1)[0] for header in answer.msg.get_all("Set-Cookie") or ()]
    return "; ".join(pair for pair in pairs if not pair.endswith("="))


# --- the run ----------------------------------------------------------------------------------


measure = foundation.measure_counted


def measure_round(
    dbs: foundation.Databases, env: dict[str, str], settings: foundation.Settings
) -> list[tuple[str, float, float]]:
    """One round: the ceiling, then each product figure; (figure, ratio, p99 ms) per figure."""
    ceiling_env = {"CEILING_DATABASE_URL": dbs.ceiling_url}
    with harness.serve(harness.CEILING_APP, env=ceiling_env, workers=settings.workers) as url:
        ceiling = measure(url + "/healthz", counting_script("GET", None, None), settings)
    harness.print_result("  ceiling GET /healthz", ceiling.result)
    figures = []
    with harness.serve(foundation.PRODUCT_APP, env=env, workers=settings.workers) as url:
        headers = {**BROWSER_HEADERS, "Cookie": sign_in(url)}
        for name, path in FIGURES:
            product = measure(url + path, counting_script("GET", None, headers), settings)
            if product.statuses.get(200, 0) < product.result.requests * 0.99:
                raise harness.BenchError(f"{path} answered {product.statuses}, not 200")
            harness.print_ratio(f"  {name}", product.result, ceiling.result)
            ratio = product.result.requests_per_second / ceiling.result.requests_per_second
            figures.append((name, ratio, product.result.p99_ms))
    return figures


def run(args: argparse.Namespace) -> bool:
    """Prepare the data, measure ``--rounds`` rounds, print the medians; whether it passed."""
    settings = foundation.Settings(args.duration, args.connections, args.threads, args.workers)
    harness.require_tools()
    postgres_server = args.postgres_server if args.postgres else None
    with (
        tempfile.TemporaryDirectory(prefix="surveyapp-bench-") as tmp,
        foundation.databases(Path(tmp), postgres_server) as dbs,
    ):
        print(
            f"surveyapp case inbox benchmark: {settings.duration}s per figure, "
            f"{settings.connections} connections, {settings.threads} wrk threads, "
            f"{settings.workers} gunicorn sync workers, {dbs.kind}, {args.cases:,} cases"
        )
        print(f"Ratio = product / ceiling GET /healthz; target >= {TARGET_RATIO:.2f}x (first).")
        instance_path = Path(tmp) / "instance"
        instance_path.mkdir()
        env = foundation.product_env(dbs.product_url, instance_path)
        foundation.migrate(env)
        prepare_product(env, args.cases)
        results: list[tuple[str, float, float]] = []
        for number in range(args.rounds):
            print(f"\nround {number + 1} of {args.rounds}:")
            results += measure_round(dbs, env, settings)
    print(f"\nmedian of {args.rounds} rounds:")
    passed = True
    for index, (name, _path) in enumerate(FIGURES):
        runs = [r for r in results if r[0] == name]
        ratio = statistics.median(r[1] for r in runs)
        p99 = statistics.median(r[2] for r in runs)
        verdict = ""
        if index == 0:
            passed = ratio >= TARGET_RATIO
            verdict = f" (target >= {TARGET_RATIO:.2f}) {'PASS' if passed else 'FAIL'}"
        print(f"  {name}: req/s ratio {ratio:.2f}{verdict}, p99 {p99:.1f} ms")
    return passed


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per figure")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (median)")
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES, help="cases to create")
    parser.add_argument("--postgres", action="store_true", help="fresh PostgreSQL databases")
    parser.add_argument(
        "--postgres-server",
        default=foundation.DEFAULT_POSTGRES_SERVER,
        help="server URL used with --postgres (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 1 when it could not measure, 2 when the target is missed."""
    try:
        passed = run(_parser().parse_args(argv))
    except harness.BenchError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 1
    return 0 if passed else 2


if __name__ == "__main__":
    sys.exit(main())
