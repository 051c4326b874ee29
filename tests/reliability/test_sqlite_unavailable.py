"""SQLite locked or full: answers and API calls get 503 with Retry-After, no accepted one is lost.

A real database file with its own app (no test transaction around it): another connection
holds SQLite's write lock, or ``PRAGMA max_page_count`` on the app's connections makes the file
"full" so that writes fail with SQLITE_FULL, as on a full disk.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from config import TestConfig
from surveyapp.app import create_app
from surveyapp.domain.clock import FixedClock
from surveyapp.models import Interaction, Response
from surveyapp.runtime import get_runtime
from surveyapp.services import schema
from surveyapp.services._db import is_transient, session_scope
from tests.conftest import CSRF_PATTERN
from tests.reliability.scenario import (
    Workspace,
    answer_form,
    build_workspace,
    incomplete_responses,
    interaction_body,
    token_of_invitation,
)

pytestmark = pytest.mark.slow

LINKS = 40
COMMENT = "The agent found the fault at once and explained every step. " * 40  # ~2.4 KB


@pytest.fixture
def database_file(tmp_path: Path) -> Path:
    return tmp_path / "surveyapp.sqlite3"


@pytest.fixture
def app(database_file: Path, tmp_path: Path, clock: FixedClock) -> Iterator[Flask]:
    config = TestConfig(
        database_url=f"sqlite:///{database_file}",
        instance_path=tmp_path / "instance",
        ratelimit_enabled=False,
    )
    app = create_app(config, clock=clock)
    runtime = get_runtime(app)
    schema.upgrade(runtime.engine)
    yield app
    runtime.engine.dispose()


@pytest.fixture
def workspace(app: Flask, clock: FixedClock) -> Workspace:
    with session_scope(get_runtime(app).session_factory) as session:
        return build_workspace(session, clock, links=LINKS)


def _csrf(client: FlaskClient, token: str) -> str:
    page = client.get(f"/s/{token}").get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, "no CSRF token on the survey page"
    return match.group(1)


def _answer(client: FlaskClient, workspace: Workspace, token: str, csrf: str) -> Any:
    form = answer_form(csrf, workspace.version_number, COMMENT)
    return client.post(f"/s/{token}", data=form, headers={"Accept": "text/html"})


def _stored_tokens(app: Flask, workspace: Workspace) -> list[str]:
    """The tokens whose invitation has a response, once per response row."""
    with get_runtime(app).session_factory() as session:
        tokens = token_of_invitation(session, workspace.tokens)
        ids = session.scalars(select(Response.invitation_id)).all()
        assert incomplete_responses(session) == []
    return [tokens[i] for i in ids if i is not None]


def _assert_unavailable(answer: Any, *, problem_json: bool) -> None:
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    if problem_json:
        assert answer.mimetype == "application/problem+json"
        assert answer.get_json()["status"] == 503
    else:
        assert answer.mimetype == "text/html"
        page = answer.get_data(as_text=True)
        assert "not saved" in page
        assert "Traceback" not in page
        assert "sqlite" not in page.lower()


def test_a_locked_database_answers_503_and_the_refused_answers_can_be_sent_again(
    app: Flask, workspace: Workspace, database_file: Path
) -> None:
    client = app.test_client()
    first, locked, after = workspace.tokens[:3], workspace.tokens[3:5], workspace.tokens[5:7]
    csrf = _csrf(client, workspace.tokens[0])  # one session token serves every form
    accepted = [t for t in first if _answer(client, workspace, t, csrf).status_code == 303]

    holder = sqlite3.connect(database_file, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock for a long time
    try:
        refused = []
        for token in locked:
            answer = _answer(client, workspace, token, csrf)
            _assert_unavailable(answer, problem_json=False)
            refused.append(token)
        api = client.post(
            "/api/v1/interactions",
            data=interaction_body(1),
            headers={
                "Authorization": f"Bearer {workspace.api_secret}",
                "Content-Type": "application/json",
            },
        )
        _assert_unavailable(api, problem_json=True)
        assert _stored_tokens(app, workspace) == accepted  # reads go on meanwhile
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    for token in [*refused, *after]:
        assert _answer(client, workspace, token, csrf).status_code == 303
    stored = _stored_tokens(app, workspace)
    assert sorted(stored) == sorted([*first, *locked, *after])  # each once, none lost


def test_a_full_disk_answers_503_and_loses_no_accepted_answer(
    app: Flask, workspace: Workspace
) -> None:
    engine = get_runtime(app).engine
    with engine.connect() as connection:
        pages = int(connection.execute(text("PRAGMA page_count")).scalar_one())

    def fill_up(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 8}")

    event.listen(engine, "connect", fill_up)
    engine.dispose()  # every connection from now on sees the small limit
    client = app.test_client()
    csrf = _csrf(client, workspace.tokens[0])
    accepted, refused = [], []
    for token in workspace.tokens:
        answer = _answer(client, workspace, token, csrf)
        if answer.status_code == 303:
            accepted.append(token)
        else:
            _assert_unavailable(answer, problem_json=False)
            refused.append(token)
    assert accepted, "the limit left no room at all: the test proves nothing"
    assert refused, "the database never filled up"
    assert sorted(_stored_tokens(app, workspace)) == sorted(accepted)

    event.remove(engine, "connect", fill_up)
    engine.dispose()  # space again: the respondents send what was refused
    for token in refused:
        assert _answer(client, workspace, token, csrf).status_code == 303
    assert sorted(_stored_tokens(app, workspace)) == sorted(workspace.tokens)
    with get_runtime(app).session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Interaction)) == 0


def test_only_outages_count_as_unavailable_not_broken_statements(app: Flask) -> None:
    """A bug (a missing table) must stay a logged 500, not hide behind "try again later"."""
    engine = get_runtime(app).engine
    with engine.connect() as connection:
        with pytest.raises(OperationalError) as broken:
            connection.execute(text("SELECT * FROM no_such_table"))
        pages = connection.execute(text("PRAGMA page_count")).scalar_one()
        connection.execute(text(f"PRAGMA max_page_count = {pages}"))
        with pytest.raises(OperationalError) as full:
            connection.execute(text("CREATE TABLE grows (x)"))
    engine.dispose()  # the limited connection goes
    assert not is_transient(broken.value)
    assert is_transient(full.value)
