"""Two workers escalate at the same moment: every step happens exactly once (real commits)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import sessionmaker

from surveyapp.domain.case_mail import CaseMailKind
from surveyapp.domain.case_states import CaseEventKind
from surveyapp.domain.clock import FixedClock
from surveyapp.models import Case, CaseEvent, CaseMail
from surveyapp.services import schema
from surveyapp.services._db import make_engine, make_session_factory, session_scope
from surveyapp.services.cases import assignment, escalation
from tests.databases import BACKENDS, fresh_database
from tests.factories import answer_invitation, case_of, make_case_setup

WORKERS = 2


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database of its own: the workers' threads must see each other's commits."""
    with fresh_database(str(request.param), tmp_path) as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        yield engine
        engine.dispose()


def _together(factory: sessionmaker, clock: FixedClock) -> list[escalation.EscalationTally]:  # type: ignore[type-arg]
    """Run the escalation in ``WORKERS`` threads released at the same instant."""
    start = threading.Barrier(WORKERS)
    tallies: list[escalation.EscalationTally] = []
    errors: list[BaseException] = []

    def work(worker: str) -> None:
        try:
            start.wait()
            with session_scope(factory) as session:
                tallies.append(
                    escalation.escalate_overdue_cases(session, worker_id=worker, clock=clock)
                )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return tallies


@pytest.mark.slow
def test_an_overdue_case_escalates_exactly_once_with_two_workers(engine: Engine) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        setup = make_case_setup(session, clock)
        case = case_of(session, answer_invitation(session, clock, "W-1", score=2))
        assert case is not None
        assignment.assign_case(
            session,
            case,
            owner_id=setup.agents[0].id,
            team_id=case.team_id,
            expected_version=case.version,
            actor=setup.manager,
            clock=clock,
        )
        case_id = case.id

    clock.advance(timedelta(hours=24, minutes=5))
    first = _together(factory, clock)
    clock.advance(timedelta(hours=4))
    second = _together(factory, clock)

    assert sorted(t.reminded for t in first) == [0, 1]
    assert sorted(t.escalated for t in second) == [0, 1]
    with session_scope(factory) as session:
        kinds = session.scalars(
            select(CaseEvent.kind).where(
                CaseEvent.case_id == case_id,
                CaseEvent.kind.in_([CaseEventKind.REMINDED, CaseEventKind.ESCALATED]),
            )
        ).all()
        assert sorted(kinds) == [CaseEventKind.ESCALATED, CaseEventKind.REMINDED]
        mails = dict(
            session.execute(select(CaseMail.kind, func.count()).group_by(CaseMail.kind)).all()
        )
        assert mails[CaseMailKind.REMINDER] == 1
        assert mails[CaseMailKind.ESCALATION] == 1
        level = session.scalar(select(Case.escalation_level).where(Case.id == case_id))
        assert level == 2
