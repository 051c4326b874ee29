"""Survey answering benchmark: the public survey page and a submitted rating vs the ceiling app.

Figures (16 connections, 2 gunicorn workers by default), each a ratio to the ceiling measured in
the same round; the verdict takes the median over alternating rounds (``--rounds``, default 3):

- ``GET /l/<slug>`` (anonymous survey page) vs the ceiling's ``GET /healthz``: target >= 0.50;
- ``POST /s/<token>`` (a rating, step one) vs the ceiling's ``POST /items``: target >= 0.40;
- p99 latency of both <= 50 ms.

The public endpoints are rate limited per client address, and wrk sends everything from
127.0.0.1. The product is measured as configured (the share of 429 answers is reported); with
``--rate-limit both`` (the default) it is measured a second time with
``SURVEYAPP_RATELIMIT_ENABLED=false``, as an installation behind a limiting proxy would run.
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/...`

from bench import foundation, harness
from bench.wrk_statuses import Measured, counting_script
from bench.wrk_statuses import measure as measure_statuses
from config import Config
from surveyapp.app import create_app
from surveyapp.domain.roles import Role
from surveyapp.models import SurveyKind
from surveyapp.runtime import get_runtime
from surveyapp.services import invitations as invitation_service
from surveyapp.services import surveys, users
from surveyapp.services._db import session_scope

MODES = {
    "configured": ({}, "rate limits as configured"),
    "off": (
        {"SURVEYAPP_RATELIMIT_ENABLED": "false"},
        "rate limiter off (SURVEYAPP_RATELIMIT_ENABLED=false)",
    ),
}
TARGET_READ_RATIO = 0.50
TARGET_WRITE_RATIO = 0.40
TARGET_P99_MS = 50.0
DEFAULT_INVITATIONS = 4000
SCORE = "9"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
BROWSER_HEADERS = {"Accept-Language": "en", "Accept": "text/html"}


@dataclass(frozen=True)
class Fixture:
    """What the setup created: the anonymous link's slug and personal invitation tokens."""

    slug: str
    version: int
    tokens: tuple[str, ...]


# --- the product's data -----------------------------------------------------------------------


def prepare_product(env: Mapping[str, str], invitations: int) -> Fixture:
    """Create a published NPS survey with its anonymous link on, and ``invitations`` test links.

    Runs the product's own services in this process (same settings as the served app).
    """
    app = create_app(Config.from_env({**env, "SURVEYAPP_LOG_LEVEL": "warning"}))
    runtime = get_runtime(app)
    clock = runtime.clock
    try:
        with session_scope(runtime.session_factory) as session:
            owner = users.create_user(
                session,
                email="bench@example.com",
                name="Bench",
                role=Role.CX_OWNER,
                password=None,
                clock=clock,
                actor=None,
            ).user
            survey = surveys.create_survey(
                session,
                name="Bench NPS",
                kind=SurveyKind.TRANSACTIONAL,
                template="nps",
                clock=clock,
                actor=owner,
            )
            draft = surveys.draft_of(survey)
            surveys.update_settings(
                session,
                survey.id,
                name=survey.name,
                kind=survey.kind,
                locales=draft.locales,
                default_locale=draft.default_locale,
                intro=draft.intro,
                thank_you=draft.thank_you,
                edit_window_minutes=draft.edit_window_minutes,
                link_enabled=True,
                clock=clock,
                actor=owner,
            )
            version = surveys.publish(session, survey.id, clock=clock, actor=owner)
            tokens = tuple(
                invitation_service.create_test_invitation(
                    session, survey.id, locale="en", clock=clock, actor=owner
                ).token
                for _ in range(invitations)
            )
            return Fixture(slug=survey.link_slug, version=version.number, tokens=tokens)
    finally:
        runtime.engine.dispose()


def fetch_session(base_url: str, path: str) -> tuple[str, str]:
    """GET ``path`` like a browser once: the session cookie and the form's CSRF token.

    Flask-WTF's token is valid for the whole session, so one pair serves every wrk request.
    """
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", path, headers={"Accept-Language": "en"})
        answer = connection.getresponse()
        page = answer.read().decode("utf-8", "replace")
        # Every cookie set with a value (the login extension may also clear one: no value).
        pairs = [header.split(";", 1)[0] for header in answer.msg.get_all("Set-Cookie") or ()]
        cookie = "; ".join(pair for pair in pairs if not pair.endswith("="))
    finally:
        connection.close()
    token = CSRF_RE.search(page)
    if answer.status != 200 or token is None or not cookie:
        raise harness.BenchError(
            f"GET {path} answered {answer.status} without a session cookie and CSRF token; "
            "are the public survey pages in place?"
        )
    return cookie, token.group(1)


# --- the run ----------------------------------------------------------------------------------


def measure(url: str, script_text: str, settings: foundation.Settings) -> Measured:
    """One figure under the run's load settings (1 s warm-up, discarded)."""
    return measure_statuses(
        url,
        script_text,
        duration=settings.duration,
        connections=settings.connections,
        threads=settings.threads,
    )


def measure_ceiling(database_url: str, settings: foundation.Settings) -> dict[str, Measured]:
    """The ceiling's GET /healthz (read reference) and POST /items (one ORM insert)."""
    env = {"CEILING_DATABASE_URL": database_url}
    item = counting_script("POST", foundation.ITEM_BODY, foundation.JSON_HEADERS)
    with harness.serve(harness.CEILING_APP, env=env, workers=settings.workers) as url:
        measured = {
            "read": measure(url + "/healthz", counting_script("GET", None, None), settings),
            "write": measure(url + "/items", item, settings),
        }
    for figure in measured.values():
        if figure.problem:
            raise harness.BenchError(f"the ceiling failed: {figure.problem}")
    return measured


def measure_product(
    env: dict[str, str], fixture: Fixture, settings: foundation.Settings
) -> dict[str, Measured]:
    """The anonymous survey page, and a rating posted to rotating personal invitations."""
    with harness.serve(foundation.PRODUCT_APP, env=env, workers=settings.workers) as url:
        page = f"/l/{fixture.slug}"
        cookie, token = fetch_session(url, page)  # first: the GET load may use up the limit
        read = measure(url + page, counting_script("GET", None, BROWSER_HEADERS), settings)
        body = urlencode(
            {"csrf_token": token, "version": fixture.version, "steps": "first", "score": SCORE}
        )
        post = counting_script(
            "POST",
            body,
            {**BROWSER_HEADERS, **FORM_HEADERS, "Cookie": cookie},
            paths=[f"/s/{t}" for t in fixture.tokens],
            threads=settings.threads,
        )
        write = measure(f"{url}/s/{fixture.tokens[0]}", post, settings)
    return {"read": read, "write": write}


# --- report -----------------------------------------------------------------------------------


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


@dataclass(frozen=True)
class Outcome:
    """One product figure of one round; ``error`` says why it cannot be trusted (if so)."""

    figure: str
    ratio: float
    p99_ms: float
    target: float
    limited: bool = False
    error: str | None = None

    @property
    def passed(self) -> bool:
        return (
            self.error is None
            and not self.limited
            and self.ratio >= self.target
            and self.p99_ms <= TARGET_P99_MS
        )


def report(label: str, product: dict[str, Measured], ceiling: dict[str, Measured]) -> list[Outcome]:
    """Print the product's figures as ratios to the ceiling, with PASS/FAIL per target."""
    print(f"\nproduct vs ceiling, {label}:")
    outcomes = []
    figures = (
        ("GET /l/<slug>", "read", TARGET_READ_RATIO, "GET /healthz"),
        ("POST /s/<token> (rating)", "write", TARGET_WRITE_RATIO, "POST /items"),
    )
    for name, kind, target, reference_name in figures:
        measured, reference = product[kind], ceiling[kind]
        harness.print_ratio(f"  {name}", measured.result, reference.result)
        ratio = measured.result.requests_per_second / reference.result.requests_per_second
        p99 = measured.result.p99_ms
        # Fast 429 answers would flatter both figures: a rate-limited figure never passes.
        limited = measured.share(429) > harness.MAX_ERROR_RATIO
        print(
            f"    vs {reference_name}: req/s ratio {ratio:.2f} (target >= {target:.2f}) "
            f"{_verdict(ratio >= target and not limited)};  p99 {p99:.2f} ms "
            f"(target <= {TARGET_P99_MS:.0f} ms) {_verdict(p99 <= TARGET_P99_MS and not limited)}"
        )
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(measured.statuses.items()))
        print(f"    answers by status: {statuses};  429 share {measured.share(429):.1%}")
        if limited:
            print("    FAIL: rate-limit answers (429) make up part of these figures")
        error = None
        if measured.problem:
            print(f"    ERROR: {measured.problem}; the figures are not trustworthy")
            error = f"{label}, {name}: {measured.problem}"
        outcomes.append(Outcome(f"{label}: {name}", ratio, p99, target, limited, error))
    return outcomes


def summarize(outcomes: Sequence[Outcome], rounds: int) -> list[Outcome]:
    """The median of every figure over the rounds (a noisy neighbour spoils one round only)."""
    if rounds == 1:
        return list(outcomes)
    print(f"\nmedian of {rounds} rounds (each round: ceiling, then product, in turn):")
    summary = []
    for figure in dict.fromkeys(outcome.figure for outcome in outcomes):
        runs = [outcome for outcome in outcomes if outcome.figure == figure]
        median = Outcome(
            figure,
            statistics.median(run.ratio for run in runs),
            statistics.median(run.p99_ms for run in runs),
            runs[0].target,
            any(run.limited for run in runs),
            next((run.error for run in runs if run.error), None),
        )
        print(
            f"  {figure}: req/s ratio {median.ratio:.2f} (target >= {median.target:.2f}), "
            f"p99 {median.p99_ms:.2f} ms (target <= {TARGET_P99_MS:.0f} ms) "
            f"{_verdict(median.passed)}"
        )
        summary.append(median)
    return summary


def print_header(settings: foundation.Settings, database_kind: str, invitations: int) -> None:
    """Explain the run and the targets."""
    print(
        f"surveyapp survey answering benchmark: {settings.duration}s per figure, "
        f"{settings.connections} connections, {settings.threads} wrk threads, "
        f"{settings.workers} gunicorn sync workers, {database_kind}, {invitations} invitations"
    )
    print(
        "Ratio = product / ceiling (bare Flask + SQLAlchemy 2 app), both measured in this run.\n"
        f"Targets: page GET >= {TARGET_READ_RATIO:.2f}x of GET /healthz, rating POST >= "
        f"{TARGET_WRITE_RATIO:.2f}x of POST /items, p99 <= {TARGET_P99_MS:.0f} ms for both."
    )


def run(settings: foundation.Settings, args: argparse.Namespace) -> list[Outcome]:
    """Prepare fresh databases, measure the ceiling and the product; one outcome per figure."""
    harness.require_tools()
    postgres_server = args.postgres_server if args.postgres else None
    with (
        tempfile.TemporaryDirectory(prefix="surveyapp-bench-") as tmp,
        foundation.databases(Path(tmp), postgres_server) as dbs,
    ):
        print_header(settings, dbs.kind, args.invitations)
        instance_path = Path(tmp) / "instance"
        instance_path.mkdir()
        env = foundation.product_env(dbs.product_url, instance_path)
        foundation.migrate(env)
        modes = ["configured", "off"] if args.rate_limit == "both" else [args.rate_limit]
        # Every product run gets invitations of its own, so its ratings are new responses.
        fixture = prepare_product(env, args.invitations * len(modes) * args.rounds)
        outcomes: list[Outcome] = []
        runs = 0
        for number in range(args.rounds):
            ceiling = measure_ceiling(dbs.ceiling_url, settings)
            print(f"\nround {number + 1} of {args.rounds}; ceiling (reference, absolute):")
            harness.print_result("  ceiling GET /healthz", ceiling["read"].result)
            harness.print_result("  ceiling POST /items", ceiling["write"].result)
            for mode in modes:
                own = fixture.tokens[runs * args.invitations : (runs + 1) * args.invitations]
                runs += 1
                extra_env, label = MODES[mode]
                own_fixture = replace(fixture, tokens=own)
                product = measure_product({**env, **extra_env}, own_fixture, settings)
                outcomes += report(label, product, ceiling)
    return summarize(outcomes, args.rounds)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per figure")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternating ceiling/product rounds; figures are their medians (default: 3)",
    )
    parser.add_argument(
        "--invitations",
        type=int,
        default=DEFAULT_INVITATIONS,
        help="personal test links the rating POSTs rotate through (default: %(default)s)",
    )
    parser.add_argument(
        "--rate-limit",
        choices=("configured", "off", "both"),
        default="both",
        help="measure the product with its rate limits, without them, or both (default)",
    )
    parser.add_argument(
        "--postgres", action="store_true", help="use fresh PostgreSQL databases instead of SQLite"
    )
    parser.add_argument(
        "--postgres-server",
        default=foundation.DEFAULT_POSTGRES_SERVER,
        help="server URL used with --postgres (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 1 when a figure could not be measured, 2 when a target is missed."""
    args = _parser().parse_args(argv)
    settings = foundation.Settings(args.duration, args.connections, args.threads, args.workers)
    try:
        outcomes = run(settings, args)
    except harness.BenchError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 1
    passed = all(outcome.passed for outcome in outcomes)
    print(f"\noverall: {_verdict(passed)}")
    errors = [outcome.error for outcome in outcomes if outcome.error]
    for error in errors:
        print(f"bench: error: {error}", file=sys.stderr)
    if errors:
        return 1
    return 0 if passed else 2


if __name__ == "__main__":
    sys.exit(main())
