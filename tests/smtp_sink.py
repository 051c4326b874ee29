"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives and can misbehave."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One accepted message: the envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SinkHandler:
    """Answers like a mail server; tests set refusals per recipient or for the body."""

    received: list[Received] = field(default_factory=list)
    # recipient -> SMTP answer to RCPT TO, e.g. "550 5.1.1 No such user"
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    # the answer after the body for these recipients, e.g. "451 4.3.0 Try again later"
    data_replies: dict[str, str] = field(default_factory=dict)
    # recipients whose body is taken and then the connection dropped without an answer
    drop_after_body: set[str] = field(default_factory=set)
    # A slow server: seconds the answer to each body takes.
    delay: float = 0.0
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float) -> bool:
        """Block until ``count`` messages were accepted (``False`` after ``timeout`` seconds)."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.received) >= count, timeout)

    async def handle_RCPT(  # noqa: N802 -- aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 -- aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        recipients = list(envelope.rcpt_tos)
        if any(r in self.drop_after_body for r in recipients):
            server.transport.close()
            return "250 never heard"
        reply = next((self.data_replies[r] for r in recipients if r in self.data_replies), None)
        if reply:
            return reply
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.arrived:
            self.received.append(Received(envelope.mail_from, recipients, message))  # type: ignore[arg-type]
            self.arrived.notify_all()
        return "250 Message accepted"


class SmtpSink:
    """The running server: ``url`` for ``SURVEYAPP_SMTP_URL``, ``received`` for assertions."""

    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.port = _free_port()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._running = False
        self._stopped = False

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> None:
        """Start (or, after ``stop``, start again on the same port with the same handler)."""
        if self._stopped:
            self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        self._running = True

    def stop(self) -> None:
        if self._running:
            self._controller.stop()
            self._running = False
            self._stopped = True  # an aiosmtpd controller cannot be started twice


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
