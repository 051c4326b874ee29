"""The load scenario end to end: answers and interactions under load, then dispatch, then audit.

1. ``answers`` personal links and an API key on a fresh, migrated database;
2. wrk POSTs a rating to every link once, then one new interaction per request to the API
   (gunicorn serving the product, loopback);
3. audit: every answer and interaction that got its success status is stored exactly once,
   nothing else is, and no row is half-written;
4. the invitations the interactions planned are dispatched (in-process rounds to a real SMTP
   server, the clock past their send time) and each is sent exactly once or suppressed with
   its reasons.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import sessionmaker

from surveyapp.domain.clock import FixedClock
from surveyapp.jobs.dispatch import settings_for
from surveyapp.models import Channel, Interaction, Invitation, Response
from surveyapp.runtime import get_runtime
from surveyapp.services.dispatch import sending
from surveyapp.services.mail.transport import SmtpTransport
from tests.reliability import load
from tests.reliability.client import open_session
from tests.reliability.scenario import (
    Workspace,
    answer_form,
    api_orphans,
    build_workspace,
    incomplete_responses,
    interaction_template,
)
from tests.reliability.servers import gunicorn, product_env
from tests.smtp_sink import SmtpSink

STORED_ANSWER = 303
STORED_INTERACTION = 201


@dataclass(frozen=True)
class Audit:
    """What the database holds after the load, against what the clients were told."""

    answers_accepted: int
    answers_stored: int
    interactions_accepted: int
    interactions_stored: int
    problems: list[str]


@dataclass(frozen=True)
class Delivery:
    """The planned invitations after dispatch: per state, the mails at the server."""

    states: Counter[str]
    unexplained_suppressions: int
    messages: int
    duplicates: int


def prepare(engine: Engine, answers: int) -> Workspace:
    """The workspace with ``answers`` personal links (committed)."""
    with sessionmaker(bind=engine)() as session:
        workspace = build_workspace(session, FixedClock(datetime.now(UTC)), links=answers)
        session.commit()
    return workspace


def drive(
    database_url: str,
    workspace: Workspace,
    work_dir: Path,
    *,
    interactions: int,
    workers: int = 2,
    threads: int = 4,
    connections: int = 8,
) -> tuple[load.LoadResult, load.LoadResult]:
    """Serve the product and load it: every link answered once, then ``interactions`` calls."""
    env = product_env(database_url, work_dir / "instance")
    # gthread workers: an idle keep-alive connection (a wrk thread that is done) blocks nobody.
    with gunicorn(env, work_dir, workers=workers, threads=threads) as server:
        browser = open_session(server.url, f"/s/{workspace.tokens[0]}")
        form = urlencode(answer_form(browser.csrf, workspace.version_number))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": browser.cookie,
            "Accept": "text/html",
        }
        paths = [f"/s/{token}" for token in workspace.tokens]
        answered = load.run(
            server.url,
            load.answers_script(paths, form, headers),
            total=len(paths),
            connections=connections,
        )
        api_headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {workspace.api_secret}",
        }
        posted = load.run(
            server.url + "/api/v1/interactions",
            load.numbered_script(interaction_template(), api_headers),
            total=interactions,
            connections=connections,
        )
    return answered, posted


def audit(engine: Engine, answered: load.LoadResult, posted: load.LoadResult) -> Audit:
    """Compare what is stored with the success answers the clients got."""
    with sessionmaker(bind=engine)() as session:
        stored_answers = session.scalar(select(func.count(func.distinct(Response.invitation_id))))
        rows = session.scalar(select(func.count()).select_from(Response))
        interactions = session.scalar(select(func.count()).select_from(Interaction)) or 0
        planned = session.scalar(
            select(func.count()).select_from(Invitation).where(Invitation.channel == Channel.EMAIL)
        )
        problems = incomplete_responses(session) + api_orphans(session)
    if rows != stored_answers:
        problems.append(f"{rows} response rows for {stored_answers} invitations")
    if interactions != planned:
        problems.append(f"{interactions} interactions but {planned} planned invitations")
    return Audit(
        answers_accepted=answered.count(STORED_ANSWER),
        answers_stored=stored_answers or 0,
        interactions_accepted=posted.count(STORED_INTERACTION),
        interactions_stored=interactions,
        problems=problems,
    )


def dispatch_everything(app: Flask, sink: SmtpSink, *, after: timedelta) -> Delivery:
    """Run dispatch rounds with the clock ``after`` ahead until nothing is left to claim."""
    runtime = get_runtime(app)
    clock = FixedClock(datetime.now(UTC) + after)
    settings = settings_for(runtime.config, "load-dispatch")
    with app.app_context():
        while True:
            tally = sending.run_round(
                runtime.session_factory,
                lambda: SmtpTransport(sink.url, timeout=10),
                settings=settings,
                clock=clock,
            )
            if tally.claimed == 0:
                break
    with runtime.session_factory() as session:
        rows = session.execute(
            select(Invitation.state, Invitation.suppression_reasons).where(
                Invitation.channel == Channel.EMAIL
            )
        ).all()
    states = Counter(str(state) for state, _ in rows)
    unexplained = sum(1 for state, reasons in rows if state == "suppressed" and not reasons)
    ids = Counter(str(received.message["Message-ID"]) for received in sink.received)
    return Delivery(
        states=states,
        unexplained_suppressions=unexplained,
        messages=len(ids),
        duplicates=sum(count - 1 for count in ids.values()),
    )


def describe(name: str, result: load.LoadResult) -> str:
    """One line of figures for the report."""
    figures = result.figures
    # 200 answers are the /healthz fillers of wrk connections that ran out of work.
    loaded = sum(n for code, n in result.statuses.items() if code != 200)
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result.statuses.items()))
    return (
        f"{name}: {loaded} requests in {result.seconds:.1f} s = {loaded / result.seconds:.0f}"
        f" req/s; latency p50 {figures.p50_ms:.1f} ms, p90 {figures.p90_ms:.1f} ms, "
        f"p99 {figures.p99_ms:.1f} ms; statuses {statuses}; socket errors {figures.errors}"
    )
