"""Retention: each kind of data goes exactly when its period has passed, never before.

Time is moved with the ``FixedClock``. A row exactly as old as its period stays; one second
later it goes. The preview counts what the run then removes, a second run removes nothing,
scores and report figures survive free-text retention, and the daily job runs once per day
however many workers tick.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.case_mail import CaseMailKind, CaseMailState
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentSource
from surveyapp.domain.retention import RetentionKind
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState
from surveyapp.jobs.retention import apply_retention
from surveyapp.models import (
    AuditEvent,
    CaseMail,
    Channel,
    ConsentEvent,
    Contact,
    Interaction,
    Invitation,
    Kudos,
    Response,
    SuppressedAddress,
    SurveyVersion,
    User,
)
from surveyapp.services import audit, schema, touchpoints
from surveyapp.services._db import make_engine, make_session_factory, session_scope
from surveyapp.services.privacy import retention
from surveyapp.services.reporting import rollups
from surveyapp.services.reporting.dashboard import dashboard_summary
from surveyapp.services.reporting.filters import ReportFilters
from tests.databases import BACKENDS, fresh_database
from tests.factories import (
    make_case,
    make_contact,
    make_outbox_message,
    make_published_survey,
    make_response,
    make_user,
)

SECOND = timedelta(seconds=1)
OLD = datetime(2026, 1, 1, tzinfo=UTC)


def _admin(session: Session) -> User:
    return make_user(session, role=Role.ADMIN)


def _set_periods(session: Session, clock: FixedClock, **days: int | None) -> None:
    periods = retention.periods(session)
    periods.update({RetentionKind(kind): value for kind, value in days.items()})
    retention.save_settings(session, periods, clock=clock, actor=_admin(session))
    session.commit()


def _run(session: Session, factory: sessionmaker[Session], clock: FixedClock) -> dict[str, int]:
    session.commit()
    report = retention.apply(factory, clock=clock)
    session.expire_all()
    return {kind.value: count for kind, count in report.counts.items()}


def _due(session: Session, clock: FixedClock) -> dict[str, int]:
    return {row.kind.value: row.count for row in retention.preview(session, clock)}


def _at(clock: FixedClock, moment: datetime) -> None:
    clock.advance(moment - clock.now())


# --- free text ------------------------------------------------------------------------------


def test_free_text_goes_exactly_when_due_and_scores_stay(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    _, version = make_published_survey(session)
    answered_at = clock.now()
    commented = make_response(session, version, score=10, comment="Ask for Ada Lovelace")
    commented.submitted_at = answered_at
    silent = make_response(session, version, score=3)
    praise = Kudos(
        response_id=commented.id,
        agent_id=_admin(session).id,
        score=10,
        comment="Ask for Ada Lovelace",
        created_at=answered_at,
    )
    session.add(praise)
    scores_before = {r.id: (r.score, r.nps_category, r.is_unhappy) for r in (commented, silent)}

    _at(clock, answered_at + timedelta(days=730))
    assert _due(session, clock)["free_text"] == 0
    assert _run(session, session_factory, clock)["free_text"] == 0
    assert commented.has_comment
    assert "Ask for Ada Lovelace" in commented.answers.values()

    clock.advance(SECOND)
    assert _due(session, clock)["free_text"] == 1
    assert _run(session, session_factory, clock)["free_text"] == 1
    assert commented.has_comment is False
    assert "Ask for Ada Lovelace" not in commented.answers.values()
    assert commented.answers  # the rating answer stays
    assert praise.comment == ""
    after = {r.id: (r.score, r.nps_category, r.is_unhappy) for r in (commented, silent)}
    assert after == scores_before
    assert _run(session, session_factory, clock)["free_text"] == 0  # idempotent


def test_report_figures_are_unchanged_by_free_text_retention(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    _, version = make_published_survey(session)
    days = [datetime(2026, 2, day, 10, tzinfo=UTC) for day in (2, 3, 9, 10, 16)]
    for n, day in enumerate(days):
        for score in (0, 6, 7, 9, 10):
            comment = f"comment {n}-{score}" if (n + score) % 2 else None
            make_response(session, version, score=score, comment=comment, started_at=day)
    rollups.rebuild_rollups(session, clock=clock)
    february = ReportFilters(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    before = dashboard_summary(session, february, clock=clock)
    assert before.has_answers

    _at(clock, days[-1] + timedelta(days=731))
    assert _run(session, session_factory, clock)["free_text"] > 0
    rollups.rebuild_rollups(session, clock=clock)  # re-aggregated from the trimmed responses
    after = dashboard_summary(session, february, clock=clock)
    assert after.kpis == before.kpis
    assert after.trends == before.trends
    assert after.distributions == before.distributions
    assert session.scalar(select(func.count()).where(Response.has_comment.is_(True))) == 0


# --- inactive contacts ----------------------------------------------------------------------


def _interaction(session: Session, clock: FixedClock, contact: Contact, at: datetime) -> None:
    touchpoint = touchpoints.create_touchpoint(
        session, key=f"tp.{contact.id}", name="Shop", clock=clock, actor=None
    )
    session.add(
        Interaction(
            idempotency_key=f"event-{contact.id}",
            touchpoint_id=touchpoint.id,
            contact_id=contact.id,
            occurred_at=at,
            received_at=at,
            attributes={},
        )
    )


def _invitation(session: Session, contact: Contact, at: datetime) -> Invitation:
    version = session.scalars(select(SurveyVersion)).first()
    if version is None:
        _, version = make_published_survey(session)
    invitation = Invitation(
        token_hash=f"token-{contact.id}-{at.timestamp()}",
        survey_version_id=version.id,
        contact_id=contact.id,
        channel=Channel.EMAIL,
        locale="en",
        state=InvitationState.SENT,
        checks=[],
        suppression_reasons=[],
        created_at=at,
        expires_at=at + timedelta(days=14),
    )
    session.add(invitation)
    session.flush()
    return invitation


def _sent_invitation(session: Session, contact: Contact, at: datetime) -> None:
    _invitation(session, contact, at)


def _response(session: Session, _clock: FixedClock, contact: Contact, at: datetime) -> None:
    invitation = _invitation(session, contact, OLD)
    response = make_response(session, invitation.survey_version, started_at=at)
    response.invitation_id = invitation.id


def _consent(session: Session, _clock: FixedClock, contact: Contact, at: datetime) -> None:
    session.add(
        ConsentEvent(
            contact_id=contact.id,
            purpose="feedback",
            channel=ConsentChannel.EMAIL,
            action=ConsentAction.GRANTED,
            source=ConsentSource.API,
            occurred_at=at,
            recorded_at=at,
        )
    )


def _open_case(session: Session, _clock: FixedClock, contact: Contact, at: datetime) -> None:
    _, version = make_published_survey(session)
    case = make_case(session, make_response(session, version, score=1, started_at=OLD), at=OLD)
    case.contact_id = contact.id
    del at  # an open case keeps its contact whatever its age


def _updated(_session: Session, _clock: FixedClock, contact: Contact, at: datetime) -> None:
    contact.updated_at = at


ACTIVITIES: dict[str, Callable[[Session, FixedClock, Contact, datetime], None]] = {
    "contact changed": _updated,
    "interaction": _interaction,
    "invitation": lambda session, _clock, contact, at: _sent_invitation(session, contact, at),
    "response": _response,
    "consent entry": _consent,
    "open case": _open_case,
}


@pytest.mark.parametrize("activity", list(ACTIVITIES))
def test_inactive_contacts_are_erased_exactly_when_due(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock, activity: str
) -> None:
    _set_periods(session, clock, inactive_contacts=365)
    quiet = make_contact(session, email="quiet@example.com")
    active = make_contact(session, email="active@example.com")
    recently = datetime(2026, 6, 1, tzinfo=UTC)
    ACTIVITIES[activity](session, clock, active, recently)
    active.updated_at = recently if activity == "contact changed" else OLD
    session.flush()

    _at(clock, OLD + timedelta(days=365))
    assert _run(session, session_factory, clock)["inactive_contacts"] == 0
    clock.advance(SECOND)
    assert _run(session, session_factory, clock)["inactive_contacts"] == 1
    assert quiet.erased_at is not None
    assert quiet.email is None
    assert quiet.name is None
    assert session.scalar(select(func.count()).select_from(SuppressedAddress)) == 1

    _at(clock, recently + timedelta(days=365))
    assert _run(session, session_factory, clock)["inactive_contacts"] == 0
    clock.advance(SECOND)
    erased = _run(session, session_factory, clock)["inactive_contacts"]
    if activity == "open case":
        assert erased == 0
        assert active.email == "active@example.com"
    else:
        assert erased == 1
        assert active.erased_at is not None
        assert active.email is None


def test_inactive_contacts_are_kept_by_default(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    contact = make_contact(session)
    _at(clock, OLD + timedelta(days=3650))
    preview = {row.kind: row for row in retention.preview(session, clock)}
    assert preview[RetentionKind.INACTIVE_CONTACTS].cutoff is None
    assert _run(session, session_factory, clock)["inactive_contacts"] == 0
    assert contact.erased_at is None


# --- outbox bodies --------------------------------------------------------------------------


def _case_mail(session: Session, state: CaseMailState, at: datetime) -> CaseMail:
    _, version = make_published_survey(session)
    case = make_case(session, make_response(session, version, score=2, started_at=at), at=at)
    mail = CaseMail(
        case_id=case.id,
        kind=CaseMailKind.CLOSE_LOOP,
        state=state,
        recipient="grace@example.com",
        recipient_name="Grace Hopper",
        locale="en",
        body="Dear Grace, we refunded your order.",
        send_at=at,
        attempts=1,
        created_at=at,
        sent_at=at if state == CaseMailState.SENT else None,
    )
    session.add(mail)
    session.flush()
    return mail


def test_outbox_bodies_are_cleared_exactly_when_due_and_metadata_stays(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    stored_at = clock.now()
    kept = make_outbox_message(session, clock, recipient="ada@example.com")
    sent = _case_mail(session, CaseMailState.SENT, stored_at)
    failed = _case_mail(session, CaseMailState.FAILED, stored_at)
    queued = _case_mail(session, CaseMailState.QUEUED, stored_at)

    _at(clock, stored_at + timedelta(days=90))
    assert _due(session, clock)["outbox_bodies"] == 0
    assert _run(session, session_factory, clock)["outbox_bodies"] == 0
    assert kept.raw
    assert sent.body

    clock.advance(SECOND)
    assert _due(session, clock)["outbox_bodies"] == 3
    assert _run(session, session_factory, clock)["outbox_bodies"] == 3
    assert (kept.raw, kept.recipient) == ("", "")
    assert kept.subject
    assert kept.message_id
    assert kept.stored_at == stored_at
    for mail in (sent, failed):
        assert (mail.body, mail.recipient, mail.recipient_name) == ("", "", None)
    assert sent.state == CaseMailState.SENT
    assert sent.sent_at == stored_at
    assert failed.state == CaseMailState.FAILED
    assert queued.body
    assert queued.recipient == "grace@example.com"
    assert _run(session, session_factory, clock)["outbox_bodies"] == 0


# --- audit log ------------------------------------------------------------------------------


def test_audit_events_are_deleted_exactly_when_due(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    first = audit.record(session, "auth.signed_in", clock=clock, actor_label="ada@example.com")
    clock.advance(timedelta(days=1))
    second = audit.record(session, "auth.signed_in", clock=clock, actor_label="ada@example.com")
    session.flush()
    first_id, second_id = first.id, second.id

    _at(clock, first.occurred_at + timedelta(days=730))
    assert _run(session, session_factory, clock)["audit_log"] == 0
    clock.advance(SECOND)
    assert _run(session, session_factory, clock)["audit_log"] == 1
    assert session.get(AuditEvent, first_id) is None
    assert session.get(AuditEvent, second_id) is not None


# --- preview, runs, audit of runs -----------------------------------------------------------


def _seed_every_kind(session: Session, clock: FixedClock) -> None:
    _, version = make_published_survey(session)
    start = clock.now()
    for day in range(0, 1000, 50):
        at = start + timedelta(days=day)
        make_response(session, version, score=day % 11, comment=f"text {day}", started_at=at)
        contact = make_contact(session)
        contact.updated_at = at
        stored = make_outbox_message(session, clock)
        stored.stored_at = at
        audit.record(session, "contact.updated", clock=clock, target=contact).occurred_at = at
    session.flush()


def test_preview_counts_exactly_what_the_run_then_removes(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    _seed_every_kind(session, clock)
    _set_periods(session, clock, inactive_contacts=400)
    for days_later in (100, 500, 900, 1800):
        _at(clock, datetime(2026, 3, 2, 9, tzinfo=UTC) + timedelta(days=days_later, seconds=1))
        expected = _due(session, clock)
        assert _run(session, session_factory, clock) == expected
        assert set(_due(session, clock).values()) == {0}
    totals = session.execute(
        select(AuditEvent.details).where(AuditEvent.action == retention.APPLIED)
    ).scalars()
    assert sum(sum(details["counts"].values()) for details in totals) > 0


def test_each_run_is_audited_with_counts_and_no_personal_data(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    _, version = make_published_survey(session)
    make_response(session, version, comment="My name is Ada Lovelace")
    make_outbox_message(session, clock, recipient="ada@example.com")
    clock.advance(timedelta(days=800))
    expected = _due(session, clock)
    assert expected["free_text"] == 1
    assert expected["outbox_bodies"] == 1
    assert expected["audit_log"] > 0  # the survey's own events, 800 days old
    _run(session, session_factory, clock)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == retention.APPLIED)).one()
    assert event.details["counts"] == expected
    assert event.actor_label == "system"
    assert "Ada" not in str(event.details)
    assert "ada@" not in str(event.details)
    last = retention.last_run(session)
    assert last is not None
    assert last.total == sum(expected.values())
    assert last.finished_at == clock.now()


def test_the_daily_job_runs_once_per_day_whichever_workers_tick(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    _, version = make_published_survey(session)
    make_response(session, version, comment="old", started_at=clock.now() - timedelta(days=800))
    session.commit()

    def tick(worker: str) -> None:
        apply_retention(app, worker_id=worker, mode="worker", started_at=clock.now())

    def runs() -> int:
        query = select(func.count()).where(AuditEvent.action == retention.APPLIED)
        return session.scalar(query) or 0

    tick("worker-1")
    tick("worker-2")
    tick("worker-1")
    assert runs() == 1
    assert session.scalar(select(func.count()).where(Response.has_comment.is_(True))) == 0
    clock.advance(timedelta(hours=14, minutes=59, seconds=59))  # 23:59:59, same UTC day
    tick("worker-2")
    assert runs() == 1
    clock.advance(SECOND)  # the next day
    tick("worker-2")
    tick("worker-1")
    assert runs() == 2


def test_cli_previews_and_applies(app: Flask, session: Session, clock: FixedClock) -> None:
    make_outbox_message(session, clock)
    session.commit()
    clock.advance(timedelta(days=91))
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["retention", "preview"])
    assert shown.exit_code == 0, shown.output
    lines = {line.split("\t")[0]: line.split("\t")[1:] for line in shown.output.splitlines()}
    assert lines["outbox_bodies"][0] == "90"
    assert lines["outbox_bodies"][2] == "1"
    assert lines["inactive_contacts"][:2] == ["forever", "-"]
    applied = runner.invoke(args=["retention", "apply"])
    assert applied.exit_code == 0, applied.output
    assert "outbox_bodies\t1" in applied.output
    assert runner.invoke(args=["retention", "apply"]).output.endswith(
        "0 rows removed or cleared.\n"
    )


# --- two workers at once (a database of their own: the threads must see each other's commits)


@pytest.fixture(params=BACKENDS)
def own_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with fresh_database(str(request.param), tmp_path) as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        yield engine
        engine.dispose()


def _seed_old_comments(factory: sessionmaker[Session], count: int, at: datetime) -> None:
    with session_scope(factory) as session:
        _, version = make_published_survey(session)
        for n in range(count):
            make_response(session, version, score=n % 11, comment=f"text {n}", started_at=at)


def _together(work: Callable[[str], object], workers: int = 2) -> list[object]:
    start = threading.Barrier(workers)
    results: list[object] = []
    errors: list[BaseException] = []

    def run(worker: str) -> None:
        try:
            start.wait()
            results.append(work(worker))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(f"worker-{n}",)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.mark.slow
def test_two_workers_at_once_run_the_day_once_and_never_double_count(own_engine: Engine) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 0, 5, tzinfo=UTC))
    factory = make_session_factory(own_engine)
    old = clock.now() - timedelta(days=800)
    _seed_old_comments(factory, 240, old)

    reports = _together(lambda worker: retention.run_daily(factory, clock=clock, worker_id=worker))
    finished = [r for r in reports if isinstance(r, retention.RunReport)]
    assert len(finished) == 1  # the other worker found the day claimed
    assert finished[0].counts[RetentionKind.FREE_TEXT] == 240

    _seed_old_comments(factory, 240, old)
    manual = _together(lambda _worker: retention.apply(factory, clock=clock, batch_size=25))
    counted = [
        r.counts[RetentionKind.FREE_TEXT] for r in manual if isinstance(r, retention.RunReport)
    ]
    assert sum(counted) == 240  # each response trimmed by exactly one of the two runs
    with session_scope(factory) as session:
        left = select(func.count()).where(Response.has_comment.is_(True))
        assert session.scalar(left) == 0
        runs = select(func.count()).where(AuditEvent.action == retention.APPLIED)
        assert session.scalar(runs) == 3
