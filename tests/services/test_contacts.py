"""Contacts and consent: upserts, the append-only ledger, export and erasure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentPolicy, ConsentSource
from surveyapp.domain.roles import Role
from surveyapp.models import AuditEvent, ConsentEvent, Invitation
from surveyapp.services import consent, contacts, invitations
from surveyapp.services.contacts import ContactData
from surveyapp.services.errors import Conflict, ValidationFailed
from tests.factories import make_contact, make_published_survey, make_response, make_user


def test_upsert_by_external_id_merges_attributes(session: Session, clock: FixedClock) -> None:
    contact, created = contacts.upsert_contact(
        session,
        ContactData("C-17", email=" Kim@Example.com ", name="Kim", attributes={"plan": "pro"}),
        clock=clock,
    )
    assert created
    assert contact.email == "kim@example.com"
    again, created = contacts.upsert_contact(
        session, ContactData("C-17", locale="de", attributes={"region": "north"}), clock=clock
    )
    assert not created
    assert again.id == contact.id
    assert (again.email, again.locale) == ("kim@example.com", "de")
    assert again.attributes == {"plan": "pro", "region": "north"}


def test_bad_contact_fields_are_all_reported(session: Session, clock: FixedClock) -> None:
    with pytest.raises(ValidationFailed) as failed:
        contacts.upsert_contact(
            session,
            ContactData(" ", email="nope", timezone="Mars/Base", name="x" * 201),
            clock=clock,
        )
    assert set(failed.value.field_errors) == {"external_id", "email", "timezone", "name"}


def test_ledger_is_append_only_and_the_policy_decides(session: Session, clock: FixedClock) -> None:
    contact = make_contact(session)
    admin = make_user(session, role=Role.ADMIN)
    assert not consent.decision_for(session, contact.id, ConsentChannel.EMAIL).allowed  # opt-in
    consent.record_event(
        session,
        contact,
        channel=ConsentChannel.EMAIL,
        action=ConsentAction.GRANTED,
        source=ConsentSource.API,
        clock=clock,
        ip="203.0.113.9",
        user_agent="CRM/1.0",
    )
    assert consent.decision_for(session, contact.id, ConsentChannel.EMAIL).allowed
    clock.advance(timedelta(hours=1))
    consent.record_event(
        session,
        contact,
        channel=ConsentChannel.EMAIL,
        action=ConsentAction.WITHDRAWN,
        source=ConsentSource.PREFERENCE_CENTRE,
        clock=clock,
    )
    decision = consent.decision_for(session, contact.id, ConsentChannel.EMAIL)
    assert not decision.allowed
    assert decision.reason == "opt_in:withdrawn"
    events = session.scalars(select(ConsentEvent).order_by(ConsentEvent.id)).all()
    assert [e.action for e in events] == ["granted", "withdrawn"]
    assert events[0].ip_hash
    assert "203.0.113.9" not in events[0].ip_hash

    consent.set_policy(session, ConsentChannel.WEB, ConsentPolicy.OPT_OUT, clock=clock, actor=admin)
    assert consent.decision_for(session, contact.id, ConsentChannel.WEB).allowed


def test_consent_texts_are_versioned_per_locale(session: Session, clock: FixedClock) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    first = consent.save_consent_text(
        session, locale="de", body="Ja, fragt mich.", clock=clock, actor=owner
    )
    second = consent.save_consent_text(
        session, locale="de", body="Ja, gern.", clock=clock, actor=owner
    )
    consent.save_consent_text(session, locale="en", body="Yes, ask me.", clock=clock, actor=owner)
    assert (first.version, second.version) == (1, 2)
    current = consent.current_consent_text(session, "de")
    assert current is not None
    assert current.body == "Ja, gern."
    with pytest.raises(ValidationFailed):
        consent.save_consent_text(session, locale="de", body="  ", clock=clock, actor=owner)


def test_export_and_erasure_keep_scores_but_not_personal_data(
    session: Session, clock: FixedClock
) -> None:
    admin = make_user(session, role=Role.ADMIN)
    survey, version = make_published_survey(session, actor=admin)
    contact = make_contact(session, email="erase.me@example.com", name="Erika")
    created = invitations.create_test_invitation(
        session, survey.id, locale="en", clock=clock, actor=admin
    )
    invitation: Invitation = created.invitation
    invitation.contact_id = contact.id
    response = make_response(session, version, score=3, comment="Too slow, Erika here")
    response.invitation_id = invitation.id
    session.flush()

    exported = contacts.export_contact(session, contact.id, clock=clock, actor=admin)
    assert exported["contact"]["email"] == "erase.me@example.com"
    assert exported["responses"][0]["answers"]["improve"] == "Too slow, Erika here"

    contacts.erase_contact(session, contact.id, clock=clock, actor=admin)
    assert (contact.email, contact.name, contact.attributes) == (None, None, {})
    assert response.answers == {"score": 3}
    assert response.score == 3
    assert not response.has_comment
    assert contacts.is_suppressed(session, "Erase.Me@example.com")
    with pytest.raises(ValidationFailed):
        contacts.upsert_contact(
            session, ContactData(contact.external_id, email="erase.me@example.com"), clock=clock
        )
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_type == "Contact")
    ).all()
    assert set(actions) == {"contact.exported", "contact.erased"}


def test_search_finds_by_id_email_or_name(session: Session) -> None:
    make_contact(session, external_id="C-100", email="anna@example.com", name="Anna Berg")
    make_contact(session, external_id="C-200", email="bob@example.com", name="Bob Stone")
    assert [c.external_id for c in contacts.search_contacts(session, "berg")] == ["C-100"]
    assert [c.external_id for c in contacts.search_contacts(session, "BOB@")] == ["C-200"]
    assert len(contacts.search_contacts(session, "")) == 2


def test_nothing_more_is_recorded_about_an_erased_contact(
    session: Session, clock: FixedClock
) -> None:
    admin = make_user(session, role=Role.ADMIN)
    contact = make_contact(session)
    contacts.erase_contact(session, contact.id, clock=clock, actor=admin)
    with pytest.raises(Conflict):
        consent.record_event(
            session,
            contact,
            channel=ConsentChannel.EMAIL,
            action=ConsentAction.GRANTED,
            source=ConsentSource.API,
            clock=clock,
        )
    assert consent.ledger(session, contact.id) == []
