"""Mail providers report bounces and complaints; the address is suppressed, writes audited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.states import InvitationState
from surveyapp.models import AuditEvent, Invitation
from surveyapp.services import contacts
from tests.api.conftest import ApiClient, Keys, Scenario, interaction

BOUNCE = {
    "email": "Customer1@Example.com",
    "type": "hard_bounce",
    "detail": "550 5.1.1 user unknown",
    "occurred_at": "2026-03-02T08:55:00+01:00",
}


def _problem(response, status: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body: dict = response.get_json()  # type: ignore[type-arg]
    assert body["status"] == status
    return body


def test_a_bounce_suppresses_the_address_and_its_queued_invitation(
    api: ApiClient, session: Session, scenario: Scenario
) -> None:
    assert api.post("/interactions", json=interaction(1)).status_code == 201
    answer = api.post("/delivery-reports", json=BOUNCE)
    assert answer.status_code == 200
    assert answer.get_json() == {
        "status": "recorded",
        "reason": "hard_bounce",
        "suppressed_since": "2026-03-02T07:55:00Z",
        "invitations_suppressed": 1,
    }
    session.expire_all()
    [invitation] = session.scalars(select(Invitation)).all()
    assert invitation.state == InvitationState.SUPPRESSED
    assert invitation.suppression_reasons == ["suppressed_address"]
    assert contacts.is_suppressed(session, "customer1@example.com")


def test_reports_are_audited_once_and_repeats_are_safe(
    api: ApiClient, session: Session, scenario: Scenario
) -> None:
    first = api.post("/delivery-reports", json={"email": "x@example.com", "type": "complaint"})
    again = api.post("/delivery-reports", json={"email": "x@example.com", "type": "complaint"})
    weaker = api.post("/delivery-reports", json={"email": "x@example.com", "type": "hard_bounce"})
    assert [r.get_json()["status"] for r in (first, again, weaker)] == [
        "recorded",
        "already_recorded",
        "already_recorded",
    ]
    assert weaker.get_json()["reason"] == "complaint"
    audits = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "delivery.reported")
    ).all()
    assert len(audits) == 1
    assert audits[0].actor_label.startswith("API key Integration")
    assert audits[0].details == {"type": "complaint", "invitations_suppressed": 0}
    assert "x@example.com" not in str(audits[0].details)  # the address stays out of the trail


def test_keys_without_the_scope_are_refused(api: ApiClient, keys: Keys) -> None:
    anonymous = api.post("/delivery-reports", key=None, json=BOUNCE)
    _problem(anonymous, 401)
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    narrow = keys.create(["contacts:write"], name="CRM")
    body = _problem(api.post("/delivery-reports", key=narrow, json=BOUNCE), 403)
    assert "deliveries:write" in body["detail"]


def test_bad_bodies_are_problems_with_field_messages(api: ApiClient, session: Session) -> None:
    fields = _problem(
        api.post(
            "/delivery-reports",
            json={"email": "no-at-sign", "type": "soft_bounce", "colour": "red"},
        ),
        422,
    )
    assert {error["field"] for error in fields["errors"]} == {"email", "type", "colour"}
    future = _problem(
        api.post("/delivery-reports", json={**BOUNCE, "occurred_at": "2027-01-01T00:00:00Z"}),
        422,
    )
    assert future["errors"][0]["field"] == "occurred_at"
    _problem(
        api.post(
            "/delivery-reports", data="{not json", headers={"Content-Type": "application/json"}
        ),
        400,
    )
    _problem(api.post("/delivery-reports", data="email=x@example.com"), 415)
    assert not contacts.is_suppressed(session, "customer1@example.com")
