"""Planning: interactions become queued or suppressed invitations, each with its reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentPolicy, ConsentSource
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState
from surveyapp.models import Interaction, Invitation, Survey, Touchpoint
from surveyapp.services import consent, contacts, touchpoints, trigger_rules
from surveyapp.services.contacts import ContactData
from surveyapp.services.errors import ValidationFailed
from surveyapp.services.touchpoints import InteractionData
from surveyapp.services.trigger_rules import RuleSettings
from tests.factories import make_published_survey, make_user


@pytest.fixture
def setup(session: Session, clock: FixedClock) -> tuple[Touchpoint, Survey]:
    admin = make_user(session, role=Role.ADMIN)
    survey, _ = make_published_survey(session, actor=admin)
    touchpoint = touchpoints.create_touchpoint(
        session,
        key="support.ticket_closed",
        name="Ticket closed",
        stage_key="support",
        clock=clock,
        actor=admin,
    )
    consent.set_policy(
        session, ConsentChannel.EMAIL, ConsentPolicy.OPT_OUT, clock=clock, actor=admin
    )
    return touchpoint, survey


def _rule(
    session: Session, clock: FixedClock, touchpoint: Touchpoint, survey: Survey, **settings: object
):  # type: ignore[no-untyped-def]
    values = {
        "name": "After tickets",
        "touchpoint_id": touchpoint.id,
        "survey_id": survey.id,
        **settings,
    }
    return trigger_rules.save_rule(session, RuleSettings(**values), clock=clock, actor=None)  # type: ignore[arg-type]


def _post(
    session: Session, clock: FixedClock, key: str, contact: str = "C-17", **contact_fields: object
) -> Invitation | None:
    data = InteractionData(
        idempotency_key=key,
        touchpoint_key="support.ticket_closed",
        contact=ContactData(
            contact,
            email=f"{contact.lower()}@example.com",
            timezone="Europe/Berlin",
            **contact_fields,
        ),  # type: ignore[arg-type]
        occurred_at=clock.now(),
        attributes={"queue": "billing"},
    )
    recorded = touchpoints.record_interaction(session, data, clock=clock)
    return recorded.invitations[0] if recorded.invitations else None


def test_interaction_is_queued_after_the_delay(session: Session, clock: FixedClock, setup) -> None:  # type: ignore[no-untyped-def]
    touchpoint, survey = setup
    _rule(session, clock, touchpoint, survey, delay_minutes=120)
    invitation = _post(session, clock, "T-4711")
    assert invitation is not None
    assert invitation.state == InvitationState.QUEUED
    assert invitation.send_at == clock.now() + timedelta(hours=2)
    assert invitation.suppression_reasons == []
    assert {check["name"] for check in invitation.checks} >= {"survey", "consent", "sampling"}


def test_same_interaction_twice_creates_nothing_new(
    session: Session, clock: FixedClock, setup
) -> None:  # type: ignore[no-untyped-def]
    touchpoint, survey = setup
    _rule(session, clock, touchpoint, survey)
    first = _post(session, clock, "T-1")
    second = _post(session, clock, "T-1")
    assert first is not None
    assert second is not None
    assert first.id == second.id
    assert session.scalar(select(func.count()).select_from(Interaction)) == 1
    assert session.scalar(select(func.count()).select_from(Invitation)) == 1


def test_withdrawn_consent_suppresses_with_the_reason(
    session: Session, clock: FixedClock, setup
) -> None:  # type: ignore[no-untyped-def]
    touchpoint, survey = setup
    _rule(session, clock, touchpoint, survey)
    first = _post(session, clock, "T-1", contact="C-9")
    assert first is not None
    customer = contacts.find_by_external_id(session, "C-9")
    assert customer is not None
    consent.record_event(
        session,
        customer,
        channel=ConsentChannel.EMAIL,
        action=ConsentAction.WITHDRAWN,
        source=ConsentSource.API,
        clock=clock,
    )
    clock.advance(timedelta(days=400))
    later = _post(session, clock, "T-2", contact="C-9")
    assert later is not None
    assert later.state == InvitationState.SUPPRESSED
    assert later.suppression_reasons == ["no_consent"]
    consent_check = next(c for c in later.checks if c["name"] == "consent")
    assert consent_check["detail"] == "opt_out:withdrawn"


def test_recontact_period_and_conditions(session: Session, clock: FixedClock, setup) -> None:  # type: ignore[no-untyped-def]
    touchpoint, survey = setup
    _rule(
        session,
        clock,
        touchpoint,
        survey,
        recontact_days_contact=7,
        recontact_days_survey=None,
        conditions=[
            {"source": "interaction", "attribute": "queue", "op": "eq", "value": "billing"}
        ],
    )
    assert _post(session, clock, "T-1").state == InvitationState.QUEUED  # type: ignore[union-attr]
    clock.advance(timedelta(days=3))
    soon = _post(session, clock, "T-2")
    assert soon is not None
    assert soon.suppression_reasons == ["recontact_contact"]
    clock.advance(timedelta(days=10))
    assert _post(session, clock, "T-3").state == InvitationState.QUEUED  # type: ignore[union-attr]


def test_quiet_hours_move_the_send_into_the_contacts_morning(
    session: Session, clock: FixedClock, setup
) -> None:  # type: ignore[no-untyped-def]
    touchpoint, survey = setup
    _rule(
        session,
        clock,
        touchpoint,
        survey,
        delay_minutes=0,
        quiet={"start": "20:00", "end": "08:00"},
    )
    clock.advance(timedelta(hours=13))  # 22:00 UTC = 23:00 in Berlin
    invitation = _post(session, clock, "T-night")
    assert invitation is not None
    local = invitation.send_at.astimezone(ZoneInfo("Europe/Berlin"))  # type: ignore[union-attr]
    assert (local.hour, local.minute) == (8, 0)
    assert local.date() == (clock.now() + timedelta(days=1)).date()


def test_sampling_is_deterministic_and_roughly_the_rate(
    session: Session, clock: FixedClock, setup
) -> None:  # type: ignore[no-untyped-def]
    touchpoint, survey = setup
    _rule(
        session,
        clock,
        touchpoint,
        survey,
        sampling_rate=0.3,
        recontact_days_contact=None,
        recontact_days_survey=None,
    )
    states = [_post(session, clock, f"T-{n}", contact=f"C-{n}").state for n in range(200)]  # type: ignore[union-attr]
    queued = states.count(InvitationState.QUEUED)
    assert 35 < queued < 85
    assert set(states) == {InvitationState.QUEUED, InvitationState.SUPPRESSED}


def test_daily_cap(session: Session, clock: FixedClock, setup) -> None:  # type: ignore[no-untyped-def]
    touchpoint, survey = setup
    _rule(
        session,
        clock,
        touchpoint,
        survey,
        daily_cap=2,
        recontact_days_contact=None,
        recontact_days_survey=None,
    )
    results = [_post(session, clock, f"T-{n}", contact=f"C-{n}") for n in range(3)]
    assert [r.state for r in results] == ["queued", "queued", "suppressed"]  # type: ignore[union-attr]
    assert results[2].suppression_reasons == ["daily_cap"]  # type: ignore[union-attr]


def test_unknown_touchpoint_and_bad_rules_are_refused(
    session: Session, clock: FixedClock, setup
) -> None:  # type: ignore[no-untyped-def]
    touchpoint, survey = setup
    with pytest.raises(ValidationFailed) as failed:
        touchpoints.record_interaction(
            session,
            InteractionData(
                "X-1", "no.such.touchpoint", ContactData("C-1"), datetime(2026, 3, 1, tzinfo=UTC)
            ),
            clock=clock,
        )
    assert "touchpoint" in failed.value.field_errors
    with pytest.raises(ValidationFailed) as bad:
        _rule(
            session,
            clock,
            touchpoint,
            survey,
            sampling_rate=1.5,
            quiet={"start": "25:00"},
            conditions=[{"op": "like"}],
        )
    assert set(bad.value.field_errors) == {"sampling_rate", "quiet", "conditions"}
