"""Integrators upsert contacts by their own id and record consent; every write is audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentSource
from surveyapp.models import ApiKey, AuditEvent
from surveyapp.services import consent, contacts
from tests.api.conftest import ApiClient, Keys
from tests.factories import make_contact


def _errors(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return {error["field"]: error["message"] for error in response.get_json()["errors"]}


def test_contact_is_created_then_updated_keeping_unsent_fields(
    api: ApiClient, session: Session, clock: FixedClock
) -> None:
    created = api.put(
        "/contacts/C-1001",
        json={
            "email": "Ada@Example.com",
            "name": "Ada",
            "timezone": "Europe/London",
            "attributes": {"plan": "pro"},
        },
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body["external_id"] == "C-1001"
    assert body["email"] == "ada@example.com"
    assert body["created_at"] == "2026-03-02T09:00:00Z"

    clock.advance(timedelta(hours=1))
    updated = api.put("/contacts/C-1001", json={"name": "Ada L.", "attributes": {"region": "GB"}})
    assert updated.status_code == 200
    body = updated.get_json()
    assert body["name"] == "Ada L."
    assert body["email"] == "ada@example.com"
    assert body["attributes"] == {"plan": "pro", "region": "GB"}
    assert body["updated_at"] == "2026-03-02T10:00:00Z"
    stored = contacts.find_by_external_id(session, "C-1001")
    assert stored is not None
    assert stored.name == "Ada L."


def test_contact_writes_are_attributed_to_the_key(api: ApiClient, session: Session) -> None:
    api.put("/contacts/C-7", json={"email": "x@example.com"})
    api.put("/contacts/C-7", json={"name": "X"})
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("contact.%")).order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["contact.created", "contact.updated"]
    key = session.get(ApiKey, events[0].api_key_id)
    assert key is not None
    assert api.secret is not None
    assert key.prefix == api.secret[:10]
    assert events[0].actor_label.startswith("API key Integration")
    assert events[1].details == {"fields": ["name"]}
    assert all(e.ip_hash for e in events)


def test_invalid_contact_fields_are_listed_per_field_and_nothing_is_stored(
    api: ApiClient, session: Session
) -> None:
    shape = _errors(api.put("/contacts/C-2", json={"email": "a" * 300, "nickname": "x"}))
    assert set(shape) == {"email", "nickname"}
    assert shape["nickname"] == "Extra inputs are not permitted"

    meaning = _errors(
        api.put("/contacts/C-2", json={"email": "not-an-email", "timezone": "Mars/Olympus"})
    )
    assert meaning == {
        "email": "Enter a valid email address.",
        "timezone": "Give an IANA time zone such as Europe/Berlin.",
    }
    wrong_type = _errors(api.put("/contacts/C-2", json={"attributes": ["plan"]}))
    assert set(wrong_type) == {"attributes"}
    assert contacts.find_by_external_id(session, "C-2") is None


def test_an_erased_contact_cannot_be_refilled(
    api: ApiClient, session: Session, clock: FixedClock, keys: Keys
) -> None:
    contact = make_contact(session, external_id="C-gone")
    contacts.erase_contact(session, contact.id, clock=clock, actor=keys.admin)
    session.commit()
    errors = _errors(api.put("/contacts/C-gone", json={"email": "back@example.com"}))
    assert "external_id" in errors


def test_consent_event_is_recorded_and_decides_at_once(
    api: ApiClient, session: Session, clock: FixedClock
) -> None:
    contact = make_contact(session, external_id="C-3")
    session.commit()
    granted = api.post(
        "/contacts/C-3/consent",
        json={"channel": "email", "action": "granted", "ip": "203.0.113.7", "user_agent": "UA"},
    )
    assert granted.status_code == 201
    body = granted.get_json()
    assert body["source"] == "api"
    assert body["occurred_at"] == body["recorded_at"] == "2026-03-02T09:00:00Z"
    assert body["decision"] == {
        "channel": "email",
        "allowed": True,
        "policy": "opt_in",
        "reason": "opt_in:granted",
    }
    assert consent.decision_for(session, contact.id, ConsentChannel.EMAIL).allowed

    clock.advance(timedelta(minutes=1))
    withdrawn = api.post(
        "/contacts/C-3/consent",
        json={
            "channel": "email",
            "action": "withdrawn",
            "occurred_at": "2026-03-02T10:00:30+01:00",
        },
    )
    assert withdrawn.status_code == 201
    assert withdrawn.get_json()["occurred_at"] == "2026-03-02T09:00:30Z"
    assert withdrawn.get_json()["decision"]["allowed"] is False
    assert not consent.decision_for(session, contact.id, ConsentChannel.EMAIL).allowed
    ledger = consent.ledger(session, contact.id)
    assert [(e.action, e.source) for e in ledger] == [
        (ConsentAction.GRANTED, ConsentSource.API),
        (ConsentAction.WITHDRAWN, ConsentSource.API),
    ]
    assert ledger[0].ip_hash
    assert ledger[0].ip_hash != "203.0.113.7"
    audited = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "consent.recorded")
    ).all()
    assert len(audited) == 2
    assert all(event.api_key_id for event in audited)


def test_consent_needs_a_known_contact_and_a_valid_event(api: ApiClient, session: Session) -> None:
    missing = api.post("/contacts/C-404/consent", json={"channel": "email", "action": "granted"})
    assert missing.status_code == 404
    assert "PUT it first" in missing.get_json()["detail"]

    contact = make_contact(session, external_id="C-4")
    session.commit()
    errors = _errors(
        api.post(
            "/contacts/C-4/consent",
            json={"channel": "sms", "action": "maybe", "occurred_at": "2027-01-01T00:00:00Z"},
        )
    )
    assert set(errors) == {"channel", "action", "occurred_at"}
    assert "must not be in the future" in errors["occurred_at"]
    naive = _errors(
        api.post(
            "/contacts/C-4/consent",
            json={"channel": "web", "action": "granted", "occurred_at": "2026-03-01T10:00:00"},
        )
    )
    assert set(naive) == {"occurred_at"}
    assert consent.ledger(session, contact.id) == []
