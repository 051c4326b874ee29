"""The preference centre and RFC 8058 one-click unsubscribe: "no" is respected at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentChannel, ConsentPolicy
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState
from surveyapp.models import ConsentEvent, Contact, Invitation
from surveyapp.runtime import get_runtime
from surveyapp.services import consent, contacts, preferences, touchpoints, trigger_rules
from surveyapp.services.contacts import ContactData
from surveyapp.services.touchpoints import InteractionData
from surveyapp.services.trigger_rules import RuleSettings
from tests.conftest import csrf_token
from tests.factories import make_published_survey, make_user

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def queued(session: Session, clock: FixedClock) -> tuple[Contact, Invitation]:
    """A contact with an invitation queued for tomorrow (opt-out policy)."""
    admin = make_user(session, role=Role.ADMIN)
    survey, _ = make_published_survey(session, actor=admin)
    touchpoint = touchpoints.create_touchpoint(
        session, key="support.closed", name="Closed", clock=clock, actor=admin
    )
    trigger_rules.save_rule(
        session,
        RuleSettings(
            name="R", touchpoint_id=touchpoint.id, survey_id=survey.id, delay_minutes=1440
        ),
        clock=clock,
        actor=admin,
    )
    consent.set_policy(
        session, ConsentChannel.EMAIL, ConsentPolicy.OPT_OUT, clock=clock, actor=admin
    )
    recorded = touchpoints.record_interaction(
        session,
        InteractionData(
            "T-1",
            "support.closed",
            ContactData("C-1", email="c1@example.com", locale="de"),
            clock.now(),
        ),
        clock=clock,
    )
    session.commit()
    invitation = recorded.invitations[0]
    assert invitation.state == InvitationState.QUEUED
    contact = contacts.find_by_external_id(session, "C-1")
    assert contact is not None
    return contact, invitation


def _token(app: Flask, contact: Contact) -> str:
    return preferences.preference_token(contact, secret=str(get_runtime(app).config.secret_key))


def test_one_click_unsubscribe_needs_no_cookie_or_token_and_cancels_queued_surveys(
    app: Flask, session: Session, queued: tuple[Contact, Invitation]
) -> None:
    contact, invitation = queued
    mail_client = app.test_client()  # a fresh client: no session cookie
    response = mail_client.post(f"/p/{_token(app, contact)}/unsubscribe", data=ONE_CLICK)
    assert response.status_code == 200
    assert "Location" not in response.headers
    session.refresh(invitation)
    assert invitation.state == InvitationState.SUPPRESSED
    assert "consent_withdrawn" in invitation.suppression_reasons
    event = session.scalars(select(ConsentEvent).where(ConsentEvent.contact_id == contact.id)).one()
    assert (event.action, event.source, event.channel) == ("withdrawn", "unsubscribe", "email")
    assert not consent.decision_for(session, contact.id, ConsentChannel.EMAIL).allowed


def test_get_of_the_unsubscribe_url_changes_nothing(
    app: Flask, client: FlaskClient, session: Session, queued: tuple[Contact, Invitation]
) -> None:
    contact, invitation = queued
    page = client.get(f"/p/{_token(app, contact)}/unsubscribe")
    assert page.status_code == 200
    assert "Ihre Umfrage-Einstellungen" in page.get_data(as_text=True)  # the contact's language
    session.refresh(invitation)
    assert invitation.state == InvitationState.QUEUED
    assert session.scalars(select(ConsentEvent)).all() == []


def test_preference_centre_switches_a_channel_in_one_click(
    app: Flask,
    client: FlaskClient,
    session: Session,
    clock: FixedClock,
    queued: tuple[Contact, Invitation],
) -> None:
    contact, invitation = queued
    url = f"/p/{_token(app, contact)}"
    token = csrf_token(client, url)
    off = client.post(url, data={"csrf_token": token, "channel": "email", "allow": "0"})
    assert off.status_code == 303
    assert "Ihre Auswahl wurde gespeichert." in client.get(off.headers["Location"]).get_data(
        as_text=True
    )
    session.refresh(invitation)
    assert invitation.state == InvitationState.SUPPRESSED
    clock.advance(timedelta(minutes=1))
    client.post(url, data={"csrf_token": token, "channel": "email", "allow": "1"})
    assert consent.decision_for(session, contact.id, ConsentChannel.EMAIL).allowed
    actions = session.scalars(select(ConsentEvent.action).order_by(ConsentEvent.id)).all()
    assert actions == ["withdrawn", "granted"]


def test_bad_requests_change_nothing(
    app: Flask, client: FlaskClient, session: Session, queued: tuple[Contact, Invitation]
) -> None:
    contact, _ = queued
    url = f"/p/{_token(app, contact)}"
    assert client.get("/p/forged-token").status_code == 404
    assert app.test_client().post(f"{url}/unsubscribe", data={}).status_code == 400
    no_csrf = client.post(url, data={"channel": "email", "allow": "0"})
    assert no_csrf.status_code == 400
    token = csrf_token(client, url)
    assert (
        client.post(url, data={"csrf_token": token, "channel": "sms", "allow": "0"}).status_code
        == 400
    )
    assert session.scalars(select(ConsentEvent)).all() == []
