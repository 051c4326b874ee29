"""Bounces and complaints: the address is suppressed with everything still waiting for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.states import InvitationState
from surveyapp.domain.tokens import hash_token
from surveyapp.models import Invitation, InvitationEvent, SuppressedAddress, TriggerRule
from surveyapp.services import contact_history, contacts
from surveyapp.services.dispatch import bounces
from surveyapp.services.dispatch.bounces import DeliveryReportKind
from surveyapp.services.errors import ValidationFailed
from tests.factories import (
    make_contact,
    make_dispatch_rule,
    make_dispatched_invitation,
    make_user,
    plan_invitation,
)

BOUNCE, COMPLAINT = DeliveryReportKind.HARD_BOUNCE, DeliveryReportKind.COMPLAINT
QUEUED, SENT = InvitationState.QUEUED, InvitationState.SENT


@pytest.fixture
def rule(session: Session, clock: FixedClock) -> TriggerRule:
    return make_dispatch_rule(session, clock)


def _report(session: Session, clock: FixedClock, kind: DeliveryReportKind, **fields: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "email": "shared@example.com",
        "detail": "550 5.1.1 user unknown",
        "occurred_at": None,
        **fields,
    }
    return bounces.record_delivery_report(session, kind=kind, clock=clock, **values)  # type: ignore[arg-type]


def _kinds(session: Session, invitation: Invitation) -> list[str]:
    query = select(InvitationEvent.kind).where(InvitationEvent.invitation_id == invitation.id)
    return list(session.scalars(query.order_by(InvitationEvent.id)))


def _event_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(InvitationEvent)) or 0


@pytest.mark.usefixtures("rule")
def test_a_bounce_suppresses_the_address_and_every_queued_invitation_to_it(
    session: Session, clock: FixedClock
) -> None:
    earlier = make_dispatched_invitation(
        session, clock, "1", SENT, contact="A-1", email="shared@example.com"
    )
    clock.advance(timedelta(hours=1))
    last_sent = make_dispatched_invitation(
        session, clock, "2", SENT, contact="A-2", email="shared@example.com"
    )
    shared = {"email": "shared@example.com"}
    queued_a = make_dispatched_invitation(session, clock, "3", QUEUED, contact="A-1", **shared)
    queued_b = make_dispatched_invitation(session, clock, "4", QUEUED, contact="A-2", **shared)
    other = make_dispatched_invitation(session, clock, "5", QUEUED, contact="B-1")
    reported_at = clock.now() - timedelta(minutes=5)

    outcome = _report(session, clock, BOUNCE, email=" Shared@Example.COM ", occurred_at=reported_at)

    stored = session.get(SuppressedAddress, hash_token("shared@example.com"))
    assert stored is not None
    assert (stored.reason, stored.detail, stored.created_at) == (
        "hard_bounce",
        "550 5.1.1 user unknown",
        reported_at,
    )
    assert contacts.is_suppressed(session, "shared@example.com")
    assert outcome.invitations_suppressed == 2
    assert (outcome.reason, outcome.suppressed_since, outcome.is_repeat) == (
        "hard_bounce",
        reported_at,
        False,
    )
    for queued in (queued_a, queued_b):
        assert queued.state == InvitationState.SUPPRESSED
        assert queued.suppression_reasons == ["suppressed_address"]
        assert _kinds(session, queued) == ["suppressed"]
    assert other.state == QUEUED
    assert outcome.reported_invitation_id == last_sent.id
    assert _kinds(session, last_sent) == ["bounced"]
    assert _kinds(session, earlier) == []
    assert session.scalars(
        select(InvitationEvent.detail).where(InvitationEvent.invitation_id == last_sent.id)
    ).one() == ("550 5.1.1 user unknown")


@pytest.mark.usefixtures("rule")
def test_the_contact_page_shows_the_suppression_and_new_invitations_are_not_queued(
    session: Session, clock: FixedClock
) -> None:
    make_dispatched_invitation(session, clock, "1", SENT, contact="A-1", email="shared@example.com")
    _report(session, clock, COMPLAINT, detail="abuse report from the mailbox provider")

    contact = contacts.find_by_external_id(session, "A-1")
    assert contact is not None
    overview = contact_history.get_contact_overview(session, contact.id)
    assert overview.suppression is not None
    assert (overview.suppression.reason, overview.suppression.detail) == (
        "complaint",
        "abuse report from the mailbox provider",
    )
    unrelated = make_contact(session, email="someone.else@example.com")
    assert contact_history.get_contact_overview(session, unrelated.id).suppression is None

    later = plan_invitation(session, clock, "later", "A-1", email="shared@example.com")
    assert later.state == InvitationState.SUPPRESSED
    assert later.suppression_reasons == ["suppressed_address"]


@pytest.mark.usefixtures("rule")
def test_repeating_a_report_changes_nothing(session: Session, clock: FixedClock) -> None:
    make_dispatched_invitation(session, clock, "1", SENT, contact="A-1", email="shared@example.com")
    make_dispatched_invitation(
        session, clock, "2", QUEUED, contact="A-1", email="shared@example.com"
    )
    first = _report(session, clock, BOUNCE)
    events = _event_count(session)
    clock.advance(timedelta(days=1))

    again = _report(session, clock, BOUNCE, detail="550 said again")

    assert (first.is_repeat, again.is_repeat) == (False, True)
    assert (again.invitations_suppressed, again.suppressed_since) == (0, first.suppressed_since)
    assert again.reported_invitation_id == first.reported_invitation_id
    assert _event_count(session) == events
    stored = session.get(SuppressedAddress, hash_token("shared@example.com"))
    assert stored is not None
    assert stored.detail == "550 5.1.1 user unknown"


def test_a_complaint_outweighs_a_bounce_and_an_erasure_outweighs_both(
    session: Session, clock: FixedClock
) -> None:
    bounced = _report(session, clock, BOUNCE)
    complained = _report(session, clock, COMPLAINT, detail="spam")
    bounced_again = _report(session, clock, BOUNCE, detail="550 again")
    assert [r.reason for r in (bounced, complained, bounced_again)] == [
        "hard_bounce",
        "complaint",
        "complaint",
    ]
    assert (complained.is_repeat, bounced_again.is_repeat) == (False, True)
    assert complained.suppressed_since == bounced.suppressed_since  # suppressed since the first

    erased = make_contact(session, email="gone@example.com")
    contacts.erase_contact(session, erased.id, clock=clock, actor=make_user(session))
    after_erasure = _report(session, clock, COMPLAINT, email="gone@example.com")
    assert (after_erasure.reason, after_erasure.is_repeat) == ("erased", True)


def test_a_report_needs_an_address(session: Session, clock: FixedClock) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _report(session, clock, BOUNCE, email="not an address")
    assert "email" in refused.value.field_errors
    assert session.scalar(select(func.count()).select_from(SuppressedAddress)) == 0
