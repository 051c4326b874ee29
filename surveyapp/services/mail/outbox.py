"""The built-in outbox: without an SMTP server, every message is kept for staff to read."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.clock import Clock
from surveyapp.domain.dispatch import Outcome, SendResult
from surveyapp.models import OutboxMessage
from surveyapp.services._db import session_scope
from surveyapp.services.mail.transport import SmtpTransport, Transport, serialize

STORED = "stored in the built-in outbox"


class OutboxTransport:
    """A transport that stores each message as an ``OutboxMessage`` row (one commit each)."""

    def __init__(self, session_factory: sessionmaker[Session], *, clock: Clock) -> None:
        self._session_factory = session_factory
        self._clock = clock

    def send(self, message: EmailMessage, *, sender: str, recipient: str) -> SendResult:
        """Store ``message``; it counts as sent."""
        with session_scope(self._session_factory) as session:
            session.add(
                OutboxMessage(
                    message_id=str(message["Message-ID"] or ""),
                    recipient=recipient,
                    subject=str(message["Subject"] or "")[:500],
                    stored_at=self._clock.now(),
                    raw=serialize(message).decode("ascii").replace("\r\n", "\n"),
                )
            )
        return SendResult(Outcome.SENT, STORED)

    def close(self) -> None:
        """Nothing to release."""


def open_transport(
    smtp_url: str | None, *, session_factory: sessionmaker[Session], clock: Clock
) -> Transport:
    """The SMTP server of ``smtp_url``, or the built-in outbox when none is configured."""
    if smtp_url:
        return SmtpTransport(smtp_url)
    return OutboxTransport(session_factory, clock=clock)
