"""Batch ingest: valid items stored and planned, invalid ones reported, repeats idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentChannel, ConsentPolicy
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState
from surveyapp.models import Contact, Interaction, Invitation
from surveyapp.services import consent, ingest, touchpoints, trigger_rules
from surveyapp.services.contact_import import import_contacts
from surveyapp.services.contacts import ContactData
from surveyapp.services.errors import ValidationFailed
from surveyapp.services.touchpoints import InteractionData
from surveyapp.services.trigger_rules import RuleSettings
from tests.factories import make_published_survey, make_user


@pytest.fixture
def rule_setup(session: Session, clock: FixedClock) -> None:
    admin = make_user(session, role=Role.ADMIN)
    survey, _ = make_published_survey(session, actor=admin)
    touchpoint = touchpoints.create_touchpoint(
        session, key="orders.delivered", name="Delivered", clock=clock, actor=admin
    )
    trigger_rules.save_rule(
        session,
        RuleSettings(
            name="Delivered",
            touchpoint_id=touchpoint.id,
            survey_id=survey.id,
            recontact_days_contact=7,
            recontact_days_survey=None,
            daily_cap=3,
        ),
        clock=clock,
        actor=admin,
    )
    consent.set_policy(
        session, ConsentChannel.EMAIL, ConsentPolicy.OPT_OUT, clock=clock, actor=admin
    )


def _item(key: str, contact: str, clock: FixedClock, **contact_fields: object) -> InteractionData:
    return InteractionData(
        idempotency_key=key,
        touchpoint_key="orders.delivered",
        contact=ContactData(contact, email=f"{contact.lower()}@example.com", **contact_fields),  # type: ignore[arg-type]
        occurred_at=clock.now(),
    )


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.usefixtures("rule_setup")
def test_batch_stores_valid_items_and_reports_invalid_ones(
    session: Session, clock: FixedClock
) -> None:
    items = [
        _item("O-1", "C-1", clock),
        _item("O-2", "C-2", clock, timezone="Nowhere/City"),
        InteractionData("O-3", "no.such.touchpoint", ContactData("C-3"), clock.now()),
        _item("O-1", "C-1", clock),
        _item("", "C-4", clock),
        _item("O-5", "C-5", clock),
    ]
    results = ingest.record_interactions(session, items, clock=clock)
    assert [r.status for r in results] == [
        "created",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "created",
    ]
    assert results[1].errors == {
        "contact.timezone": "Give an IANA time zone such as Europe/Berlin."
    }
    assert "touchpoint" in results[2].errors
    assert results[3].errors == {"id": "This id appears twice in the batch."}
    assert results[0].invitations[0].state == InvitationState.QUEUED
    assert _count(session, Interaction) == 2
    assert _count(session, Contact) == 2
    assert _count(session, Invitation) == 2


@pytest.mark.usefixtures("rule_setup")
def test_repeating_a_batch_creates_nothing(session: Session, clock: FixedClock) -> None:
    items = [_item(f"O-{n}", f"C-{n}", clock) for n in range(3)]
    ingest.record_interactions(session, items, clock=clock)
    again = ingest.record_interactions(session, items, clock=clock)
    assert {r.status for r in again} == {"existing"}
    assert _count(session, Interaction) == 3
    assert _count(session, Invitation) == 3


@pytest.mark.usefixtures("rule_setup")
def test_decisions_inside_a_batch_see_each_other(session: Session, clock: FixedClock) -> None:
    same_contact = [_item("O-a", "C-1", clock), _item("O-b", "C-1", clock)]
    others = [_item(f"O-{n}", f"C-{n + 10}", clock) for n in range(4)]
    results = ingest.record_interactions(session, same_contact + others, clock=clock)
    reasons = [r.invitations[0].suppression_reasons for r in results]
    assert reasons[0] == []
    assert reasons[1] == ["recontact_contact"]
    # The daily cap of 3 counts the batch's own queued invitations.
    assert reasons[2:].count(["daily_cap"]) == 2
    clock.advance(timedelta(days=8))
    later = ingest.record_interactions(session, [_item("O-c", "C-1", clock)], clock=clock)
    assert later[0].invitations[0].state == InvitationState.QUEUED


@pytest.mark.usefixtures("rule_setup")
def test_batch_and_single_posts_decide_alike(session: Session, clock: FixedClock) -> None:
    batch = ingest.record_interactions(
        session, [_item(f"B-{n}", f"C-{n}", clock) for n in range(20)], clock=clock
    )
    clock.advance(timedelta(days=1))
    singles = [
        touchpoints.record_interaction(session, _item(f"S-{n}", f"D-{n}", clock), clock=clock)
        for n in range(20)
    ]
    batch_states = [r.invitations[0].state for r in batch]
    single_states = [r.invitations[0].state for r in singles]
    assert (
        batch_states.count(InvitationState.QUEUED)
        == single_states.count(InvitationState.QUEUED)
        == 3
    )


@pytest.mark.usefixtures("rule_setup")
def test_a_later_batch_counts_the_days_earlier_invitations_towards_the_cap(
    session: Session, clock: FixedClock
) -> None:
    first = ingest.record_interactions(
        session, [_item(f"A-{n}", f"C-{n}", clock) for n in range(2)], clock=clock
    )
    assert [r.invitations[0].state for r in first] == [InvitationState.QUEUED] * 2
    second = ingest.record_interactions(
        session, [_item(f"B-{n}", f"D-{n}", clock) for n in range(3)], clock=clock
    )
    # The cap of 3 leaves room for one more today.
    assert [r.invitations[0].suppression_reasons for r in second] == [
        [],
        ["daily_cap"],
        ["daily_cap"],
    ]


@pytest.mark.usefixtures("rule_setup")
def test_a_batch_updates_known_contacts_and_creates_new_ones(
    session: Session, clock: FixedClock
) -> None:
    first = [_item("A-1", "C-1", clock, name="Ann", attributes={"plan": "pro"})]
    ingest.record_interactions(session, first, clock=clock)
    second = [
        _item("A-2", "C-1", clock, locale="de", attributes={"region": "EU"}),
        _item("A-3", "C-2", clock, name="Bob", attributes={"plan": "basic"}),
    ]
    results = ingest.record_interactions(session, second, clock=clock)
    known = session.scalars(select(Contact).where(Contact.external_id == "C-1")).one()
    new = session.scalars(select(Contact).where(Contact.external_id == "C-2")).one()
    assert (known.name, known.locale, known.attributes) == (
        "Ann",
        "de",
        {"plan": "pro", "region": "EU"},
    )
    assert (new.name, new.email, new.attributes) == ("Bob", "c-2@example.com", {"plan": "basic"})
    assert [r.interaction.contact_id for r in results if r.interaction] == [known.id, new.id]


def test_more_than_a_thousand_items_are_refused(session: Session, clock: FixedClock) -> None:
    with pytest.raises(ValidationFailed):
        ingest.record_interactions(
            session, [_item(f"O-{n}", "C", clock) for n in range(1001)], clock=clock
        )


@pytest.mark.usefixtures("rule_setup")
def test_withdrawal_in_an_import_suppresses_what_is_queued(
    session: Session, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    results = ingest.record_interactions(
        session, [_item("O-1", "C-1", clock), _item("O-2", "C-2", clock)], clock=clock
    )
    assert [r.invitations[0].state for r in results] == [InvitationState.QUEUED] * 2
    session.commit()

    lines = ["external_id;consent_email\n", "C-1;withdrawn\n", "C-2;granted\n"]
    import_contacts(session_factory, lines, clock=clock)

    session.expire_all()
    by_contact = {
        invitation.contact_id: invitation for invitation in session.scalars(select(Invitation))
    }
    first, second = (
        session.scalars(select(Contact).where(Contact.external_id == key)).one()
        for key in ("C-1", "C-2")
    )
    assert by_contact[first.id].state == InvitationState.SUPPRESSED
    assert by_contact[first.id].suppression_reasons == ["consent_withdrawn"]
    assert by_contact[second.id].state == InvitationState.QUEUED
    assert [e.action for e in consent.ledger(session, first.id)] == ["withdrawn"]
    assert [e.source for e in consent.ledger(session, second.id)] == ["import"]
