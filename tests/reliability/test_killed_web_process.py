"""Web workers SIGKILLed while answers and API calls are in flight leave nothing half-written.

gunicorn serves the product (2 workers, 4 threads each) on a fresh database of each kind;
eight client threads submit answers with comments and post interactions; when a third of
them are done, every worker is killed at once (the master starts new ones). Whatever was in
flight is either stored whole or not at all, and sending it again stores it exactly once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from surveyapp.domain.clock import FixedClock
from surveyapp.models import Response
from surveyapp.services import schema
from surveyapp.services._db import make_engine
from tests.databases import BACKENDS, fresh_database
from tests.reliability.client import FAILED, Browser, open_session, post_answer, post_interaction
from tests.reliability.scenario import (
    Workspace,
    api_orphans,
    build_workspace,
    incomplete_responses,
    interaction_body,
    stored_interactions,
    token_of_invitation,
)
from tests.reliability.servers import gunicorn, product_env

pytestmark = pytest.mark.slow

ANSWERS = 160
INTERACTIONS = 80
CLIENTS = 8
COMMENT = "Quick and friendly, the replacement arrived the next morning. " * 8
Job = tuple[str, int]  # ("answer", link number) or ("api", interaction number)
ACCEPTED = {"answer": 303, "api": 201}


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    with fresh_database(str(request.param), tmp_path) as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        yield url, engine
        engine.dispose()


def _send(browser: Browser, workspace: Workspace, job: Job) -> int:
    kind, number = job
    if kind == "answer":
        return post_answer(browser, workspace, workspace.tokens[number], COMMENT)
    return post_interaction(browser, workspace, interaction_body(number))


def _run(
    browser: Browser, workspace: Workspace, jobs: list[Job], kill: Callable[[], object] | None
) -> dict[Job, int]:
    """Send every job from ``CLIENTS`` threads; ``kill`` once a third of them have answered."""
    results: dict[Job, int] = {}
    with ThreadPoolExecutor(CLIENTS) as pool:
        pending: dict[Future[int], Job] = {
            pool.submit(_send, browser, workspace, job): job for job in jobs
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                results[pending.pop(future)] = future.result()
            if kill is not None and len(results) >= len(jobs) // 3:
                kill()
                kill = None
    return results


def _stored(engine: Engine, workspace: Workspace) -> tuple[Counter[Job], list[str]]:
    """Every stored answer and interaction as a job (counted per row), and what is half-done."""
    with sessionmaker(bind=engine)() as session:
        number_of = {token: n for n, token in enumerate(workspace.tokens)}
        tokens = token_of_invitation(session, workspace.tokens)
        stored: Counter[Job] = Counter(
            ("answer", number_of[tokens[invitation_id]])
            for invitation_id in session.scalars(select(Response.invitation_id))
            if invitation_id is not None
        )
        for key in stored_interactions(session):
            stored[("api", int(key.removeprefix("reliability-")))] += 1
        return stored, incomplete_responses(session) + api_orphans(session)


def test_killed_workers_leave_no_half_written_answer_and_resending_stores_it_once(
    database: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = database
    with sessionmaker(bind=engine)() as session:
        workspace = build_workspace(session, FixedClock(datetime.now(UTC)), links=ANSWERS)
        session.commit()
    jobs: list[Job] = [("answer", n) for n in range(ANSWERS)]
    jobs += [("api", n) for n in range(INTERACTIONS)]
    jobs.sort(key=lambda job: job[1] * 2 + (job[0] == "api"))  # interleaved
    env = product_env(url, tmp_path / "instance")

    with gunicorn(env, tmp_path, workers=2, threads=4) as server:
        browser = open_session(server.url, f"/s/{workspace.tokens[0]}")
        killed: list[int] = []
        results = _run(browser, workspace, jobs, lambda: killed.extend(server.kill_workers()))
        assert len(killed) == 2
        failed = [job for job, status in results.items() if status == FAILED]
        accepted = {job for job, status in results.items() if status == ACCEPTED[job[0]]}
        unexpected = {
            job: status for job, status in results.items() if status not in {FAILED, 303, 201}
        }
        assert failed, "the kill hit no request in flight: the test proved nothing"
        print(f"killed workers {killed}; {len(failed)} requests lost their answer in flight")
        assert not unexpected

        stored, problems = _stored(engine, workspace)
        assert problems == []
        assert all(count == 1 for count in stored.values())
        assert accepted <= set(stored)  # every success answer is there
        assert set(stored) <= accepted | set(failed)  # nothing appeared from nowhere

        server.wait_ready()
        again = _run(browser, workspace, failed, kill=None)
        # A resent answer is stored (303); a resent interaction that did commit is 200.
        assert all(status in {303, 201, 200} for status in again.values()), again

    stored, problems = _stored(engine, workspace)
    assert problems == []
    assert stored == Counter(jobs)  # every job exactly once
