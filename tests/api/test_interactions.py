"""Interactions posted one by one or in batches: idempotent, planned, reported per item."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.consent import ConsentChannel, ConsentPolicy
from surveyapp.models import AuditEvent, Contact, Interaction, Invitation
from surveyapp.services import consent
from tests.api.conftest import ApiClient, Keys, Scenario, interaction


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_interaction_is_stored_with_its_queued_invitation(
    api: ApiClient, session: Session, scenario: Scenario
) -> None:
    response = api.post("/interactions", json=interaction(1, agent_name="Grace"))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["id"] == "ticket-1-closed"
    assert body["status"] == "created"
    assert body["touchpoint"] == "support.ticket_closed"
    assert body["contact_external_id"] == "C-1"
    assert body["received_at"] == "2026-03-02T09:00:00Z"
    [invitation] = body["invitations"]
    assert invitation["state"] == "queued"
    assert invitation["channel"] == "email"
    assert invitation["send_at"] == "2026-03-02T09:30:00Z"  # an hour after it occurred
    assert invitation["suppression_reasons"] == []
    stored = session.scalars(select(Interaction)).one()
    assert stored.agent_name == "Grace"
    assert stored.contact.email == "customer1@example.com"


def test_posting_the_same_interaction_again_creates_nothing(
    api: ApiClient, session: Session, scenario: Scenario
) -> None:
    first = api.post("/interactions", json=interaction(1))
    counts = [_count(session, m) for m in (Interaction, Invitation, Contact, AuditEvent)]
    again = api.post("/interactions", json=interaction(1, attributes={"changed": True}))
    assert again.status_code == 200
    assert again.get_json()["status"] == "existing"
    assert again.get_json()["invitations"] == first.get_json()["invitations"]
    assert [_count(session, m) for m in (Interaction, Invitation, Contact, AuditEvent)] == counts


def test_a_single_write_is_attributed_to_the_key(
    api: ApiClient, session: Session, scenario: Scenario
) -> None:
    api.post("/interactions", json=interaction(1))
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "interaction.recorded")
    ).one()
    assert event.api_key_id is not None
    assert event.target_type == "Interaction"
    assert event.details == {"id": "ticket-1-closed", "touchpoint": "support.ticket_closed"}


def test_without_consent_the_invitation_is_suppressed_and_says_why(
    api: ApiClient, session: Session, scenario: Scenario, keys: Keys
) -> None:
    consent.set_policy(
        session,
        ConsentChannel.EMAIL,
        ConsentPolicy.OPT_IN,
        clock=keys.clock,
        actor=keys.admin,
    )
    session.commit()
    response = api.post("/interactions", json=interaction(2))
    [invitation] = response.get_json()["invitations"]
    assert invitation["state"] == "suppressed"
    assert invitation["send_at"] is None
    assert "no_consent" in invitation["suppression_reasons"]


def test_refused_interactions_name_the_fields(
    api: ApiClient, session: Session, scenario: Scenario
) -> None:
    shape = api.post(
        "/interactions",
        json={"id": "", "occurred_at": "yesterday", "contact": {}, "first_response_seconds": -1},
    )
    assert shape.status_code == 422
    fields = {e["field"] for e in shape.get_json()["errors"]}
    assert fields == {
        "id",
        "touchpoint",
        "occurred_at",
        "contact.external_id",
        "first_response_seconds",
    }
    unknown = api.post("/interactions", json=interaction(3, touchpoint="nowhere"))
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"] == [
        {"field": "touchpoint", "message": "There is no touchpoint with this key."}
    ]
    contact = api.post(
        "/interactions", json=interaction(4, contact={"external_id": "C-4", "email": "nope"})
    )
    assert contact.get_json()["errors"] == [
        {"field": "contact.email", "message": "Enter a valid email address."}
    ]
    future = api.post("/interactions", json=interaction(5, occurred_at="2026-03-02T09:10:00Z"))
    assert future.get_json()["errors"][0]["field"] == "occurred_at"
    assert _count(session, Interaction) == 0
    assert _count(session, Contact) == 0


def test_batch_stores_the_valid_items_and_reports_each(
    api: ApiClient, session: Session, scenario: Scenario
) -> None:
    api.post("/interactions", json=interaction(1))
    items = [
        interaction(1),  # already stored
        interaction(2),
        {"id": "broken", "touchpoint": "support.ticket_closed"},
        interaction(3, touchpoint="nowhere"),
        "not an object",
        interaction(4),
        interaction(4),  # repeated within the batch
        interaction(5, contact={"external_id": "C-5", "email": "nope"}),
    ]
    response = api.post("/interactions/batch", json={"items": items})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["created"], body["existing"], body["invalid"]) == (2, 1, 5)
    results = body["results"]
    assert [(r["index"], r["id"], r["status"]) for r in results] == [
        (0, "ticket-1-closed", "existing"),
        (1, "ticket-2-closed", "created"),
        (2, "broken", "invalid"),
        (3, "ticket-3-closed", "invalid"),
        (4, None, "invalid"),
        (5, "ticket-4-closed", "created"),
        (6, "ticket-4-closed", "invalid"),
        (7, "ticket-5-closed", "invalid"),
    ]
    assert {e["field"] for e in results[2]["errors"]} == {"occurred_at", "contact"}
    assert results[3]["errors"] == [
        {"field": "touchpoint", "message": "There is no touchpoint with this key."}
    ]
    assert results[4]["errors"][0]["field"] == "body"
    assert results[6]["errors"] == [
        {"field": "id", "message": "This id appears twice in the batch."}
    ]
    assert results[7]["errors"] == [
        {"field": "contact.email", "message": "Enter a valid email address."}
    ]
    assert results[1]["invitations"][0]["state"] == "queued"
    assert results[0]["invitations"] == []  # planned by the earlier call, not this one
    stored = session.scalars(select(Interaction.idempotency_key)).all()
    assert sorted(stored) == ["ticket-1-closed", "ticket-2-closed", "ticket-4-closed"]
    assert session.scalar(select(Contact).where(Contact.external_id == "C-3")) is None

    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "interaction.batch_recorded")
    ).one()
    assert event.api_key_id is not None
    created_ids = session.scalars(
        select(Interaction.id).where(Interaction.idempotency_key != "ticket-1-closed")
    ).all()
    assert sorted(event.details["interaction_ids"]) == sorted(created_ids)


def test_repeating_a_batch_stores_nothing_new(
    api: ApiClient, session: Session, scenario: Scenario
) -> None:
    batch = {"items": [interaction(n) for n in range(3)]}
    assert api.post("/interactions/batch", json=batch).get_json()["created"] == 3
    counts = [_count(session, m) for m in (Interaction, Invitation, Contact, AuditEvent)]
    again = api.post("/interactions/batch", json=batch).get_json()
    assert (again["created"], again["existing"], again["invalid"]) == (0, 3, 0)
    assert [_count(session, m) for m in (Interaction, Invitation, Contact, AuditEvent)] == counts


def test_batch_limits(api: ApiClient, session: Session, scenario: Scenario) -> None:
    too_many = api.post("/interactions/batch", json={"items": [interaction(1)] * 1001})
    assert too_many.status_code == 422
    [error] = too_many.get_json()["errors"]
    assert error["field"] == "items"
    assert "1000" in error["message"]
    empty = api.post("/interactions/batch", json={"items": []})
    assert empty.status_code == 422
    assert api.post("/interactions/batch", json=[interaction(1)]).status_code == 422
    assert _count(session, Interaction) == 0

    full = api.post("/interactions/batch", json={"items": [interaction(n) for n in range(1000)]})
    assert full.status_code == 200
    assert full.get_json()["created"] == 1000
    assert _count(session, Interaction) == 1000
