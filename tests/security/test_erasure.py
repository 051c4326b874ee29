"""Erasure: one contact seeded everywhere leaves no trace in any table, and stays unreachable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.case_mail import CaseMailState
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState
from surveyapp.models import (
    AuditEvent,
    Base,
    Case,
    Contact,
    Invitation,
    Response,
    SuppressedAddress,
    Team,
    User,
)
from surveyapp.services import contacts, ingest, touchpoints
from surveyapp.services.cases import messages, sending
from surveyapp.services.contacts import ContactData
from surveyapp.services.errors import ValidationFailed
from surveyapp.services.mail.transport import SmtpTransport
from surveyapp.services.privacy import erasure, footprint
from surveyapp.services.reporting import rollups
from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.services.reporting.queries import ScoreCount, score_counts
from surveyapp.services.touchpoints import InteractionData
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_user
from tests.security.privacy_seed import (
    SECRET,
    Seeded,
    dispatch_settings,
    find_texts,
    seed_everywhere,
    smtp_round,
    tables_holding,
)
from tests.smtp_sink import SmtpSink

# Every kind of row the seed leaves personal data in (the inventory in docs/trust.md).
SEEDED_TABLES = {
    "contacts",
    "consent_events",
    "interactions",
    "invitation_events",
    "responses",
    "kudos",
    "cases",
    "case_events",
    "case_mails",
    "goodwill",
    "outbox_messages",
    "audit_events",
}


@pytest.fixture
def in_app(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def seeded(
    app: Flask,
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    smtp_sink: SmtpSink,
) -> tuple[Seeded, Seeded]:
    # Only the seeding runs in an app context: requests of a test push their own.
    with app.app_context():
        return seed_everywhere(session, session_factory, clock, smtp_sink)


def _scores(session: Session, clock: FixedClock) -> list[ScoreCount]:
    rollups.rebuild_rollups(session, clock=clock)
    day = clock.now().date()
    filters = ReportFilters(date_from=date(day.year, 1, 1), date_to=day)
    return sorted(
        score_counts(session, filters, filters.date_from, filters.date_to),
        key=lambda c: (c.day, c.score),
    )


def _tables_linked_to_contacts() -> set[str]:
    """Tables whose rows point, through foreign keys, at a contact's row."""
    linked = {"contacts"}
    while True:
        more = {
            table.name
            for table in Base.metadata.sorted_tables
            if any(fk.column.table.name in linked for fk in table.foreign_keys)
        }
        if more <= linked:
            return linked
        linked |= more


def test_every_table_linked_to_a_contact_is_in_the_privacy_inventory() -> None:
    missing = _tables_linked_to_contacts() - set(footprint.INVENTORY)
    assert missing == set(), "decide what export and erasure do with these tables"
    assert set(footprint.INVENTORY) <= {t.name for t in Base.metadata.sorted_tables}


def _state(session: Session, invitation_id: int) -> InvitationState | None:
    return session.scalar(select(Invitation.state).where(Invitation.id == invitation_id))


def _ticket(key: str, contact: ContactData, clock: FixedClock) -> InteractionData:
    return InteractionData(key, "support.ticket_closed", contact, clock.now())


def test_an_erased_contact_leaves_no_trace_in_any_table(
    session: Session, clock: FixedClock, seeded: tuple[Seeded, Seeded]
) -> None:
    contact, other = seeded
    before = find_texts(session, contact.texts)
    assert tables_holding(before) >= SEEDED_TABLES, "the seed must reach every table"
    for text in contact.texts:
        assert any(hit.endswith(f": {text}") for hit in before), f"{text} was never stored"
    others_before = find_texts(session, other.texts)
    scores = _scores(session, clock)
    assert {(c.score, c.responses) for c in scores} >= {(2, 1), (10, 1)}
    admin = make_user(session, role=Role.ADMIN)

    contacts.erase_contact(session, contact.contact_id, clock=clock, actor=admin)
    session.commit()

    session.expire_all()
    assert find_texts(session, contact.texts) == set()
    # The scores are still counted, in the rollups rebuilt from the responses too.
    assert _scores(session, clock) == scores
    kept = session.scalars(
        select(Response.score).join(Invitation).where(Invitation.contact_id == contact.contact_id)
    ).all()
    assert sorted(score or 0 for score in kept) == [2, 10]
    # Only the hash of the address is kept, as an erasure.
    (suppression,) = session.scalars(select(SuppressedAddress)).all()
    assert (suppression.reason, suppression.detail) == ("erased", None)
    # The other customer is untouched.
    assert find_texts(session, other.texts) == others_before
    assert tables_holding(others_before) >= {"contacts", "responses"}
    # Staff entries that quoted the contact keep who acted; the quote is gone.
    quoted = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "consent.recorded_by_staff")
    ).one()
    staff = session.get(User, quoted.actor_id)
    assert staff is not None
    assert (quoted.actor_label, quoted.details) == (
        staff.email,
        {"said_by": "[erased] <[erased]>", "channel": "email"},
    )
    # The audit trail says who erased whom, and nothing personal.
    erased = session.scalars(select(AuditEvent).where(AuditEvent.action == "contact.erased")).one()
    assert (erased.actor_id, erased.target_id, erased.details) == (
        admin.id,
        str(contact.contact_id),
        {},
    )


@pytest.mark.usefixtures("in_app")
def test_an_erased_address_is_never_written_to_again(
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    smtp_sink: SmtpSink,
    seeded: tuple[Seeded, Seeded],
) -> None:
    contact, _ = seeded
    (pending,) = touchpoints.record_interaction(
        session, _ticket("T-pending", ContactData(contact.external_id), clock), clock=clock
    ).invitations
    assert pending.state == InvitationState.QUEUED
    case = session.scalars(select(Case).where(Case.contact_id == contact.contact_id)).one()
    agent = make_user(session, role=Role.AGENT, teams=[session.get_one(Team, contact.team_id)])
    letter = messages.write_to_customer(
        session, case, "We refunded you.", secret=SECRET, actor=agent, clock=clock
    )
    session.commit()
    delivered = len(smtp_sink.received)

    contacts.erase_contact(session, contact.contact_id, clock=clock, actor=make_user(session))
    session.commit()

    # What was queued (an invitation, a message from the case) is never sent.
    assert smtp_round(session_factory, smtp_sink, clock).claimed == 0
    smtp = SmtpTransport(smtp_sink.url, timeout=5)
    try:
        sending.send_due_case_mail(session_factory, smtp, settings=dispatch_settings(), clock=clock)
    finally:
        smtp.close()
    assert len(smtp_sink.received) == delivered
    session.expire_all()
    assert (_state(session, pending.id), pending.suppression_reasons[-1]) == (
        InvitationState.SUPPRESSED,
        "contact_erased",
    )
    assert (letter.state, letter.last_error, letter.body) == (
        CaseMailState.FAILED,
        "contact_erased",
        "",
    )
    # The company reports the same person again, under the old id and under a new one: the
    # API's batch ingest stores the events but invites nobody, and fills nothing back in.
    results = ingest.record_interactions(
        session,
        [
            _ticket("T-again", ContactData(contact.external_id, email=contact.email), clock),
            _ticket("T-renamed", ContactData("C-new-id", email=contact.email.upper()), clock),
        ],
        clock=clock,
    )
    again, renamed = (result.invitations for result in results)
    assert [(i.state, i.suppression_reasons) for i in again] == [
        (InvitationState.SUPPRESSED, ["no_email"])
    ]
    assert [(i.state, i.suppression_reasons) for i in renamed] == [
        (InvitationState.SUPPRESSED, ["suppressed_address"])
    ]
    stored = session.get(Contact, contact.contact_id)
    assert stored is not None
    assert stored.email is None
    # The single-event service refuses the erased id outright.
    with pytest.raises(ValidationFailed):
        touchpoints.record_interaction(
            session, _ticket("T-single", ContactData(contact.external_id), clock), clock=clock
        )
    session.commit()
    assert smtp_round(session_factory, smtp_sink, clock).claimed == 0
    assert len(smtp_sink.received) == delivered


def test_a_second_erasure_is_harmless(
    session: Session, clock: FixedClock, seeded: tuple[Seeded, Seeded]
) -> None:
    contact, _ = seeded
    admin = make_user(session, role=Role.ADMIN)
    contacts.erase_contact(session, contact.contact_id, clock=clock, actor=admin)
    session.commit()
    first = session.get(Contact, contact.contact_id)
    assert first is not None
    erased_at = first.erased_at

    contacts.erase_contact(session, contact.contact_id, clock=clock, actor=admin)
    session.commit()

    session.expire_all()
    assert find_texts(session, contact.texts) == set()
    assert first.erased_at == erased_at
    assert session.scalar(select(func.count()).select_from(SuppressedAddress)) == 1
    details = session.scalars(
        select(AuditEvent.details)
        .where(AuditEvent.action == "contact.erased")
        .order_by(AuditEvent.id)
    ).all()
    assert details == [{}, {"repeat": True}]


def test_a_failure_during_erasure_changes_nothing(
    session: Session,
    clock: FixedClock,
    seeded: tuple[Seeded, Seeded],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    contact, _ = seeded
    before = find_texts(session, contact.texts)

    def fail(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    # The audit trail is scrubbed after the contact's own rows were already changed.
    monkeypatch.setattr(erasure, "_scrub_audit_trail", fail)
    with pytest.raises(RuntimeError):
        contacts.erase_contact(session, contact.contact_id, clock=clock, actor=make_user(session))
    session.commit()

    session.expire_all()
    assert find_texts(session, contact.texts) == before
    stored = session.get(Contact, contact.contact_id)
    assert stored is not None
    assert (stored.email, stored.erased_at) == (contact.email, None)
    assert session.scalar(select(func.count()).select_from(SuppressedAddress)) == 0
    assert not session.scalars(
        select(AuditEvent).where(AuditEvent.action == "contact.erased")
    ).all()


def test_an_admin_erases_from_the_contact_page(
    client: FlaskClient,
    auth: AuthActions,
    session: Session,
    seeded: tuple[Seeded, Seeded],
) -> None:
    contact, _ = seeded
    auth.login_as(Role.ADMIN)
    page = f"/contacts/{contact.contact_id}"
    token = csrf_token(client, page)

    refused = client.post(f"{page}/erase", data={"csrf_token": token, "confirmation": "C-wrong"})
    assert refused.status_code == 400
    erased = client.post(
        f"{page}/erase",
        data={"csrf_token": csrf_token(client, page), "confirmation": contact.external_id},
    )

    assert erased.status_code == 302, erased.get_data(as_text=True)[-3000:]
    session.expire_all()
    assert find_texts(session, contact.texts) == set()
    shown = client.get(page).get_data(as_text=True)
    assert contact.email not in shown
    assert contact.name not in shown
