"""Who may subscribe to which report, and when the job sends it (through the built-in outbox)."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.report_periods import Cadence
from surveyapp.domain.roles import Role
from surveyapp.jobs.reports import send_subscriptions
from surveyapp.models import OutboxMessage, ReportSubscription, User
from surveyapp.services.errors import PermissionDenied, ValidationFailed
from surveyapp.services.reporting import subscriptions
from tests.factories import make_case_setup, make_team, make_user

# Monday 2 March 2026, 09:00 UTC (the suite's clock): this week's report went out at 07:00.
NEXT_MONDAY_IN_BERLIN = datetime(2026, 3, 9, 6, 0, tzinfo=UTC)


def _subscribe(session: Session, user: User, team_id: int, clock: FixedClock, **fields: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "cadence": Cadence.WEEKLY,
        "timezone": "Europe/Berlin",
        "locale": "en",
        **fields,
    }
    return subscriptions.subscribe(
        session, actor=user, team_id=team_id, touchpoint_id=None, clock=clock, **values
    )


def test_agents_and_viewers_cannot_subscribe(session: Session, clock: FixedClock) -> None:
    team = make_team(session)
    agent = make_user(session, role=Role.AGENT, teams=[team])

    with pytest.raises(PermissionDenied):
        _subscribe(session, agent, team.id, clock)
    assert subscriptions.subscribable_scopes(session, agent) == []


def test_a_manager_may_choose_their_teams_and_those_teams_touchpoints(
    session: Session, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    make_team(session, name="Somebody else's team")

    scopes = subscriptions.subscribable_scopes(session, setup.manager)

    assert [(s.team_id, s.touchpoint_id) for s in scopes] == [
        (setup.team.id, None),
        (None, setup.touchpoint.id),
    ]


def test_an_unknown_time_zone_is_refused(session: Session, clock: FixedClock) -> None:
    team = make_team(session)
    admin = make_user(session, role=Role.ADMIN)

    with pytest.raises(ValidationFailed) as refused:
        _subscribe(session, admin, team.id, clock, timezone="Mars/Olympus_Mons")

    assert refused.value.field_errors == {"timezone": "Choose a time zone from the list."}
    assert session.scalars(select(ReportSubscription)).all() == []


def test_the_job_sends_through_the_outbox_once_the_period_is_due(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    _subscribe(session, setup.manager, setup.team.id, clock)
    session.commit()

    def tick() -> list[OutboxMessage]:
        send_subscriptions(app, worker_id="w1", mode="test", started_at=clock.now())
        return list(session.scalars(select(OutboxMessage)))

    before = tick()
    clock.advance(NEXT_MONDAY_IN_BERLIN - clock.now())
    due = tick()
    again = tick()

    assert before == []
    assert len(due) == 1
    assert len(again) == 1
    message = email.message_from_string(due[0].raw, policy=policy.default)
    assert message["To"].addresses[0].addr_spec == setup.manager.email
    attachment = next(message.iter_attachments())  # type: ignore[attr-defined]
    assert attachment.get_content().startswith(b"%PDF-")


def test_no_report_for_a_team_the_manager_has_left(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    _subscribe(session, setup.manager, setup.team.id, clock)
    setup.manager.teams.clear()
    session.commit()

    clock.advance(NEXT_MONDAY_IN_BERLIN - clock.now() + timedelta(minutes=1))
    send_subscriptions(app, worker_id="w1", mode="test", started_at=clock.now())

    assert session.scalars(select(OutboxMessage)).all() == []
