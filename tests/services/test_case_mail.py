"""Case mail reaches a real SMTP server once: close-the-loop messages and staff notices."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.case_mail import CaseMailKind, CaseMailState, CustomerVerdict
from surveyapp.domain.case_states import CaseEventKind
from surveyapp.domain.clock import FixedClock
from surveyapp.models import Case, CaseEvent, CaseMail
from surveyapp.services.cases import assignment, messages, sending
from surveyapp.services.dispatch.sending import DispatchSettings
from surveyapp.services.mail.transport import SmtpTransport
from tests.factories import answer_invitation, case_of, make_case_setup
from tests.smtp_sink import SmtpSink

SECRET = "test-secret-key-that-is-long-enough-for-tests"
ANSWER_LINK = re.compile(r"http://localhost/c/([A-Za-z0-9_\-]+)\?answer=(\w+)")


def _settings(**overrides: object) -> DispatchSettings:
    values: dict[str, object] = {
        "worker_id": "worker-1",
        "base_url": "http://localhost",
        "sender": "surveys@localhost",
        "domain": "localhost",
        "secret": SECRET,
        **overrides,
    }
    return DispatchSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def in_app(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def _send(factory: sessionmaker[Session], sink: SmtpSink, clock: FixedClock) -> dict[str, int]:
    transport = SmtpTransport(sink.url, timeout=5)
    try:
        return dict(
            sending.send_due_case_mail(factory, transport, settings=_settings(), clock=clock)
        )
    finally:
        transport.close()


def _text(message: object) -> str:
    body = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    return str(body.get_content())


@pytest.mark.usefixtures("in_app")
def test_a_close_the_loop_message_arrives_once_in_german_and_no_reopens(
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    smtp_sink: SmtpSink,
) -> None:
    setup = make_case_setup(session, clock)
    response = answer_invitation(
        session, clock, "M-1", score=2, locale="de", name="Jürgen Müller & Söhne"
    )
    case = case_of(session, response)
    assert case is not None
    recipient = messages.recipient_of(session, case)
    assert recipient is not None
    assert recipient.locale == "de"
    mail = messages.write_to_customer(
        session,
        case,
        "Wir haben Ihnen die Versandkosten erstattet.\n\nEntschuldigung!",
        secret=SECRET,
        actor=setup.agents[0],
        clock=clock,
    )
    session.commit()

    assert _send(session_factory, smtp_sink, clock) == {"sent": 1}
    assert _send(session_factory, smtp_sink, clock) == {}
    (received,) = smtp_sink.received
    assert received.recipients == ["c-m-1@example.com"]
    message = received.message
    assert message["Message-ID"] == f"<case-mail-{mail.id}@localhost>"
    assert message["Subject"] == "Zu Ihrem Feedback: Ticket closed"
    text = _text(message)
    assert "Guten Tag Jürgen Müller & Söhne," in text
    assert "Wir haben Ihnen die Versandkosten erstattet." in text
    assert "Haben wir Ihr Anliegen gelöst?" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "M&#252;ller &amp; S&#246;hne" in html  # escaped once, not twice
    links = {answer: token for token, answer in ANSWER_LINK.findall(text)}
    assert set(links) == {CustomerVerdict.SOLVED, CustomerVerdict.NOT_SOLVED}
    session.expire_all()
    assert mail.state == CaseMailState.SENT
    assert messages.mail_for_token(session, links["not_solved"]).id == mail.id


@pytest.mark.usefixtures("in_app")
def test_notices_to_staff_and_a_refused_customer_address(
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    smtp_sink: SmtpSink,
) -> None:
    setup = make_case_setup(session, clock)
    case = case_of(session, answer_invitation(session, clock, "M-2", score=1))
    assert case is not None
    agent = setup.agents[0]
    assignment.assign_case(
        session,
        case,
        owner_id=agent.id,
        team_id=case.team_id,
        expected_version=case.version,
        actor=setup.manager,
        clock=clock,
    )
    messages.write_to_customer(session, case, "Sorry.", secret=SECRET, actor=agent, clock=clock)
    session.commit()
    smtp_sink.handler.rcpt_replies["c-m-2@example.com"] = "550 5.1.1 No such user"

    assert _send(session_factory, smtp_sink, clock) == {"sent": 1, "failed": 1}
    (notice,) = smtp_sink.received
    assert notice.recipients == [agent.email]
    assert notice.message["Subject"] == f"Case {case.id} was assigned to you: Ticket closed"
    assert f"http://localhost/cases/{case.id}" in _text(notice.message)
    failures = session.scalars(
        select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == CaseEventKind.MAIL_FAILED
        )
    ).all()
    assert len(failures) == 1
    assert "550" in failures[0].body


@pytest.mark.usefixtures("in_app")
def test_a_lease_that_runs_out_makes_a_message_uncertain_never_resent(
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    smtp_sink: SmtpSink,
) -> None:
    setup = make_case_setup(session, clock)
    case = case_of(session, answer_invitation(session, clock, "M-3", score=1))
    assert case is not None
    mail = messages.write_to_customer(
        session, case, "Sorry.", secret=SECRET, actor=setup.agents[0], clock=clock
    )
    # A worker claimed it and died before recording the outcome.
    mail.state = CaseMailState.SENDING
    mail.lease_owner = "dead-worker"
    mail.lease_expires_at = clock.now() + timedelta(minutes=5)
    session.commit()
    clock.advance(timedelta(minutes=6))
    assert _send(session_factory, smtp_sink, clock) == {"uncertain": 1}
    assert smtp_sink.received == []
    session.expire_all()
    assert mail.state == CaseMailState.UNCERTAIN
    kinds = session.scalars(select(CaseMail.kind).where(CaseMail.case_id == case.id)).all()
    assert kinds == [CaseMailKind.CLOSE_LOOP]
    assert session.get(Case, case.id) is not None
