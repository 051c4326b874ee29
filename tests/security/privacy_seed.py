"""One contact seeded everywhere through the real services, and a search of every table.

``seed_everywhere`` leaves a unique marker in each kind of row a contact can have (the
``Seeded.markers`` say where); ``find_texts`` searches every string and JSON column of the
whole schema (``Base.metadata``), plus the decoded text of kept mail, for given texts.
"""

from __future__ import annotations

import email
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from email import policy
from email.message import EmailMessage

from sqlalchemy import JSON, String, Text, cast, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.case_recovery import GoodwillKind
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentSource
from surveyapp.models import Base, Case, Contact, Invitation, OutboxMessage, Response
from surveyapp.services import answering, audit, consent, contacts, invitations, touchpoints
from surveyapp.services.answering import Steps
from surveyapp.services.cases import goodwill, kudos, messages, sending, work
from surveyapp.services.contacts import ContactData
from surveyapp.services.dispatch import sending as dispatch
from surveyapp.services.dispatch.sending import DispatchSettings
from surveyapp.services.mail.outbox import OutboxTransport
from surveyapp.services.mail.transport import SmtpTransport
from surveyapp.services.touchpoints import InteractionData
from tests.factories import CaseSetup, answer_invitation, case_of, make_case_setup
from tests.smtp_sink import SmtpSink

SECRET = "test-secret-key-that-is-long-enough-for-tests"
SCORE_LINK = re.compile(r"http://localhost/s/([A-Za-z0-9_\-]+)\?score=(\d+)")


def dispatch_settings() -> DispatchSettings:
    """The settings the suite's workers send with."""
    return DispatchSettings(
        worker_id="privacy-worker",
        base_url="http://localhost",
        sender="surveys@localhost",
        domain="localhost",
        secret=SECRET,
    )


@dataclass
class Seeded:
    """The seeded contact, its identifying texts, and a marker per place it left data."""

    contact_id: int
    external_id: str
    email: str
    name: str
    comment: str
    team_id: int | None = None  # the team whose touchpoint met the contact
    # "what": marker, each unique to this contact and this kind of row
    markers: dict[str, str] = field(default_factory=dict)

    @property
    def texts(self) -> list[str]:
        """Everything personal that must be gone after erasure."""
        return [self.email, self.name, self.comment, *self.markers.values()]


def seed_everywhere(
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    smtp_sink: SmtpSink,
    *,
    tag: str = "zq7",
) -> tuple[Seeded, Seeded]:
    """Seed contact ``C-<tag>`` in every table a contact can reach, and one other contact.

    Needs an app context (mail templates). Commits (savepoints of the test's transaction).
    """
    setup = make_case_setup(session, clock)
    seeded = Seeded(
        contact_id=0,
        external_id=f"C-{tag}",
        email=f"{tag}.privacy@example.com",
        name=f"Zoë Quillfeather-{tag}",  # non-ASCII: escaped in JSON, encoded in mail
        comment=f"comment-{tag}: the courier threw my parcel over the fence",
    )
    seeded.team_id = setup.team.id
    contact = _contact_with_consent(session, seeded, clock, tag)
    _first_ticket_through_smtp(session, session_factory, clock, smtp_sink, seeded, tag)
    _case_work(session, session_factory, clock, setup, seeded, tag)
    _praise_through_outbox(session, session_factory, clock, setup, seeded, tag)
    _audit_quote(session, clock, seeded, contact, setup)
    other = _other_contact(session, clock, tag)
    session.commit()
    return seeded, other


def _contact_with_consent(session: Session, seeded: Seeded, clock: FixedClock, tag: str) -> Contact:
    seeded.markers["contact attribute"] = f"attribute-{tag}-marker"
    contact, _ = contacts.upsert_contact(
        session,
        ContactData(
            seeded.external_id,
            email=seeded.email,
            name=seeded.name,
            timezone="Europe/Berlin",
            attributes={"note": seeded.markers["contact attribute"]},
        ),
        clock=clock,
    )
    seeded.contact_id = contact.id
    seeded.markers["consent evidence"] = f"useragent-{tag}-marker"
    consent.record_event(
        session,
        contact,
        channel=ConsentChannel.EMAIL,
        action=ConsentAction.GRANTED,
        source=ConsentSource.PREFERENCE_CENTRE,
        clock=clock,
        ip="203.0.113.77",
        user_agent=seeded.markers["consent evidence"],
    )
    return contact


def _interaction(
    session: Session, seeded: Seeded, clock: FixedClock, key: str, **facts: object
) -> Invitation:
    recorded = touchpoints.record_interaction(
        session,
        InteractionData(
            idempotency_key=key,
            touchpoint_key="support.ticket_closed",
            contact=ContactData(seeded.external_id, email=seeded.email, name=seeded.name),
            occurred_at=clock.now(),
            attributes={"subject": f"interaction-{key}-marker"},
            **facts,  # type: ignore[arg-type]
        ),
        clock=clock,
    )
    (invitation,) = recorded.invitations
    return invitation


def _first_ticket_through_smtp(
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    smtp_sink: SmtpSink,
    seeded: Seeded,
    tag: str,
) -> None:
    """The invitation is refused once (the server's answer names the address), then sent."""
    _interaction(session, seeded, clock, f"T-{tag}-1")
    seeded.markers["interaction payload"] = f"interaction-T-{tag}-1-marker"
    session.commit()
    smtp_sink.handler.data_replies[seeded.email] = f"451 4.2.0 <{seeded.email}> is over quota"
    assert smtp_round(session_factory, smtp_sink, clock)["retried"] == 1
    del smtp_sink.handler.data_replies[seeded.email]
    clock.advance(timedelta(hours=2))
    assert smtp_round(session_factory, smtp_sink, clock)["sent"] == 1
    token = _token(smtp_sink.received[-1].message)
    # The customer opens the mailed score link before answering (a link fetch).
    invitation = invitations.find_by_token(session, token, clock=clock)
    invitations.record_fetch(session, invitation, score=2, is_trap=False, clock=clock)
    _answer(session, token, {"score": ["2"], "improve": [seeded.comment]}, clock)


def _case_work(
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    setup: CaseSetup,
    seeded: Seeded,
    tag: str,
) -> None:
    """A note, a message to the customer (kept by the outbox), goodwill and a resolution."""
    case = _case_of_contact(session, seeded.contact_id)
    agent, manager = setup.agents[0], setup.manager
    marks = seeded.markers
    marks["case note"] = f"note-{tag}-marker"
    marks["case message"] = f"message-{tag}-marker"
    marks["goodwill note"] = f"goodwill-{tag}-marker"
    marks["case resolution"] = f"resolution-{tag}-marker"
    work.add_note(session, case, marks["case note"], actor=agent, clock=clock)
    messages.write_to_customer(
        session, case, marks["case message"], secret=SECRET, actor=agent, clock=clock
    )
    data = goodwill.GoodwillInput(
        GoodwillKind.VOUCHER, Decimal("15.00"), "EUR", marks["goodwill note"]
    )
    goodwill.record_goodwill(session, case, data, actor=manager, clock=clock)
    work.save_resolution(
        session,
        case,
        marks["case resolution"],
        expected_version=case.version,
        actor=agent,
        clock=clock,
    )
    session.commit()
    outbox = OutboxTransport(session_factory, clock=clock)
    assert sending.send_due_case_mail(
        session_factory, outbox, settings=dispatch_settings(), clock=clock
    )["sent"]


def _praise_through_outbox(
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    setup: CaseSetup,
    seeded: Seeded,
    tag: str,
) -> None:
    """A second ticket with a known agent: invited through the outbox, praised: a kudos."""
    clock.advance(timedelta(hours=1))
    agent = setup.agents[0]
    _interaction(session, seeded, clock, f"T-{tag}-2", agent_external_id=agent.email)
    session.commit()
    outbox = OutboxTransport(session_factory, clock=clock)
    tally = dispatch.run_round(
        session_factory, lambda: outbox, settings=dispatch_settings(), clock=clock
    )
    assert tally["sent"] == 1
    raw = session.scalars(
        select(OutboxMessage.raw)
        .where(OutboxMessage.recipient == seeded.email)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert raw is not None
    seeded.markers["kudos quote"] = f"praise-{tag}-marker: Ada was wonderful"
    _answer(
        session,
        _token(_parse(raw)),
        {"score": ["10"], "liked": [seeded.markers["kudos quote"]]},
        clock,
    )
    session.commit()
    assert kudos.send_kudos_mail(session_factory, outbox, settings=dispatch_settings(), clock=clock)


def _audit_quote(
    session: Session, clock: FixedClock, seeded: Seeded, contact: Contact, setup: CaseSetup
) -> None:
    """An audit entry whose details quote the contact (as a staff action's details may)."""
    audit.record(
        session,
        "consent.recorded_by_staff",
        clock=clock,
        actor=setup.manager,
        target=contact,
        details={"said_by": f"{seeded.name} <{seeded.email}>", "channel": "email"},
    )
    # Someone typed the customer's address into the staff sign-in form.
    audit.record(
        session,
        "auth.sign_in_failed",
        clock=clock,
        actor_label=seeded.email,
        details={"reason": "unknown_email"},
    )
    session.flush()


def _other_contact(session: Session, clock: FixedClock, tag: str) -> Seeded:
    """Another customer with a comment of their own: erasure and export leave them alone."""
    other = Seeded(
        contact_id=0,
        external_id=f"C-other-{tag}",
        email=f"other-{tag}@example.com",
        name=f"Olaf Otherperson-{tag}",
        comment=f"other-comment-{tag}: all fine",
    )
    response = answer_invitation(
        session,
        clock,
        f"O-{tag}",
        score=3,
        comment=other.comment,
        contact=other.external_id,
        email=other.email,
        name=other.name,
    )
    assert response.invitation is not None
    other.contact_id = response.invitation.contact_id or 0
    return other


def smtp_round(
    session_factory: sessionmaker[Session], sink: SmtpSink, clock: FixedClock
) -> dispatch.Tally:
    return dispatch.run_round(
        session_factory,
        lambda: SmtpTransport(sink.url, timeout=5),
        settings=dispatch_settings(),
        clock=clock,
    )


def _answer(
    session: Session, token: str, submitted: dict[str, list[str]], clock: FixedClock
) -> Response:
    target = answering.target_for_invitation(session, token, clock=clock)
    return answering.submit_answers(
        session, target, submitted, steps=Steps.ALL, locale="en", clock=clock
    )


def _case_of_contact(session: Session, contact_id: int) -> Case:
    case = session.scalars(select(Case).where(Case.contact_id == contact_id)).one()
    response = session.get(Response, case.response_id)
    assert response is not None
    assert case_of(session, response) is case
    return case


def _parse(raw: str) -> EmailMessage:
    return email.message_from_string(raw, _class=EmailMessage, policy=policy.default)


def _token(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    tokens = {str(token) for token, _ in SCORE_LINK.findall(str(body.get_content()))}
    assert len(tokens) == 1
    return tokens.pop()


# --- searching every table ------------------------------------------------------------------


def _variants(text: str) -> set[str]:
    """The text in lower case as stored in text columns and inside JSON documents."""
    lowered = text.lower()
    return {lowered, json.dumps(lowered)[1:-1]}


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_texts(session: Session, texts: list[str]) -> set[str]:
    """``table.column: text`` for every string or JSON column of the schema holding a text.

    Every table of ``Base.metadata`` is searched (columns cast to text, any case), so a
    table added later is searched too; kept mail is also searched decoded (MIME bodies are
    quoted-printable or base64, headers RFC 2047-encoded).
    """
    session.flush()
    hits: set[str] = set()
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | JSON)]
        if not columns:
            continue
        lowered = {c.name: func.lower(cast(c, Text)) for c in columns}
        conditions = [
            value.like(_like(variant), escape="\\")
            for value in lowered.values()
            for text in texts
            for variant in _variants(text)
        ]
        rows = session.execute(select(*lowered.values()).where(or_(*conditions))).all()
        for row in rows:
            for name, value in zip(lowered, row, strict=True):
                hits.update(
                    f"{table.name}.{name}: {text}"
                    for text in texts
                    if value and any(v in value for v in _variants(text))
                )
    for message_id, raw in session.execute(select(OutboxMessage.id, OutboxMessage.raw)):
        decoded = _decoded(raw).lower()
        hits.update(
            f"outbox_messages.raw (decoded #{message_id}): {text}"
            for text in texts
            if text.lower() in decoded
        )
    return hits


def _decoded(raw: str) -> str:
    message = _parse(raw)
    headers = [f"{name}: {value}" for name, value in message.items()]
    parts = [
        str(part.get_content())
        for part in message.walk()
        if part.get_content_maintype() == "text" and not part.is_multipart()
    ]
    return "\n".join([*headers, *parts])


def tables_holding(hits: set[str]) -> set[str]:
    """The tables named in ``find_texts`` hits."""
    return {hit.split(".", 1)[0] for hit in hits}
