"""Access export: everything seeded about one contact is in it, nothing of anyone else."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import AuditEvent, Team
from surveyapp.services import contacts
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_user
from tests.security.privacy_seed import Seeded, seed_everywhere
from tests.smtp_sink import SmtpSink


@pytest.fixture
def seeded(
    app: Flask,
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    smtp_sink: SmtpSink,
) -> tuple[Seeded, Seeded]:
    with app.app_context():
        return seed_everywhere(session, session_factory, clock, smtp_sink)


def _missing(document: str, texts: list[str]) -> list[str]:
    return [text for text in texts if text not in document]


def test_the_export_holds_every_seeded_item_and_nothing_of_another_contact(
    session: Session, clock: FixedClock, seeded: tuple[Seeded, Seeded]
) -> None:
    contact, other = seeded
    manager = make_user(session, role=Role.MANAGER)

    data = contacts.export_contact(session, contact.contact_id, clock=clock, actor=manager)

    document = json.dumps(data, ensure_ascii=False)
    assert _missing(document, contact.texts) == []
    assert [text for text in other.texts if text in document] == []
    assert data["contact"]["email"] == contact.email
    assert [r["score"] for r in data["responses"]] == [2, 10]
    assert len(data["interactions"]) == 2
    (case,) = data["cases"]
    assert {"note", "message", "goodwill", "resolution"} <= {e["kind"] for e in case["timeline"]}
    assert [m["body"] for m in case["messages"]] == [contact.markers["case message"]]
    # The mail the outbox kept for the contact: the second invitation and the case message.
    assert all(m["recipient"] == contact.email for m in data["mail"])
    assert len(data["mail"]) == 2
    # The server's refusal that named the address is on the invitation's timeline.
    details = [e["detail"] for i in data["invitations"] for e in i["events"]]
    assert any(contact.email in detail for detail in details)
    assert [f["score"] for i in data["invitations"] for f in i["link_fetches"]] == [2]
    assert data["suppression"] is None
    exported = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "contact.exported")
    ).one()
    assert (exported.actor_id, exported.target_id) == (manager.id, str(contact.contact_id))


def test_an_erased_contact_exports_nothing_personal(
    session: Session, clock: FixedClock, seeded: tuple[Seeded, Seeded]
) -> None:
    contact, _ = seeded
    admin = make_user(session, role=Role.ADMIN)
    contacts.erase_contact(session, contact.contact_id, clock=clock, actor=admin)

    data = contacts.export_contact(session, contact.contact_id, clock=clock, actor=admin)

    document = json.dumps(data, ensure_ascii=False)
    assert [text for text in contact.texts if text in document] == []
    assert [r["score"] for r in data["responses"]] == [2, 10]
    assert data["contact"]["erased_at"] is not None


def test_staff_download_the_export_and_agents_may_not(
    client: FlaskClient, auth: AuthActions, session: Session, seeded: tuple[Seeded, Seeded]
) -> None:
    contact, other = seeded
    team = session.get(Team, contact.team_id)
    assert team is not None
    page = f"/contacts/{contact.contact_id}"
    auth.login_as(Role.AGENT, teams=[team])
    refused = client.post(f"{page}/export", data={"csrf_token": csrf_token(client, page)})
    assert refused.status_code == 403
    auth.logout()
    auth.login_as(Role.MANAGER, teams=[team])

    response = client.post(f"{page}/export", data={"csrf_token": csrf_token(client, page)})

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert f"contact-{contact.external_id}.json" in response.headers["Content-Disposition"]
    document = response.get_data(as_text=True)
    assert _missing(json.dumps(json.loads(document), ensure_ascii=False), contact.texts) == []
    assert [text for text in other.texts if text in document] == []
