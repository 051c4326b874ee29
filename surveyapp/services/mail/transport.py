"""Handing messages to an SMTP server step by step, so every outcome is known.

``MAIL``, ``RCPT`` and ``DATA`` are sent one at a time: a refusal before the body was handed
over is definite (4xx: try again later, 5xx: never), while a connection lost after the body and
before the server's answer may or may not have delivered: that send is *uncertain* and is never
repeated automatically (DESIGN.md §5, at most once). One connection serves a whole batch.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from email import policy
from email.message import EmailMessage, Message
from typing import Protocol
from urllib.parse import unquote, urlsplit

from surveyapp.domain.dispatch import Outcome, SendResult, classify_reply

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
DEFAULT_TIMEOUT = 30.0
SERVICE_CLOSING = 421  # the server closes the connection after this answer
_LEADING_DOT = re.compile(rb"(?m)^\.")
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
# RFC 5322 2.1.1: lines may be 998 characters; folding at 78 would turn long URLs into
# encoded words.
MAX_HEADER_LINE = 990
CRLF = "\r\n"
_WIDE_POLICY = policy.SMTP.clone(max_line_length=998)


class Transport(Protocol):
    """Where messages go: an SMTP server or the built-in outbox."""

    def send(self, message: EmailMessage, *, sender: str, recipient: str) -> SendResult:
        """Hand over one message; never raises for a delivery problem."""
        ...

    def close(self) -> None:
        """Release the connection, if any."""
        ...


def serialize(message: EmailMessage) -> bytes:
    """The message in RFC 5322 form with CRLF line ends, as fast as the email package allows.

    ``EmailMessage.as_bytes`` refolds every header through the full parser (about a millisecond
    per invitation) and folds long ASCII headers such as ``List-Unsubscribe`` into encoded
    words that mail clients do not decode there. Headers that are plain ASCII and fit the
    998-character line limit are written as they are; only the others (a name with an umlaut)
    go through the policy's folding. Parts must already be transfer-encoded to 7 bit, as
    ``services/mail/rendering.py`` builds them; anything else takes the email package's path.
    """
    out: list[str] = []
    if not _write_part(message, out):
        return message.as_bytes(policy=_WIDE_POLICY)
    return "".join(out).encode("ascii")


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP's DATA carries it: dot-stuffed and ending in ``.``."""
    data = serialize(message)
    if data.startswith(b".") or b"\n." in data:
        data = _LEADING_DOT.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _write_part(part: Message, out: list[str]) -> bool:
    content_type = ""
    # raw_items: the stored header objects, without re-parsing each one through the policy.
    for name, value in part.raw_items():
        text = str(value)
        if name.lower() == "content-type":
            content_type = text
        if text.isascii() and "\n" not in text and len(name) + len(text) < MAX_HEADER_LINE:
            out.append(f"{name}: {text}\r\n")
        else:
            out.append(_WIDE_POLICY.fold(name, value))
    out.append("\r\n")
    if part.is_multipart():
        found = _BOUNDARY.search(content_type)
        if found is None:
            return False
        boundary = found.group(1)
        # The CRLF before each delimiter belongs to the delimiter (RFC 2046 5.1.1).
        for position, child in enumerate(part.get_payload()):
            out.append(f"{'' if position == 0 else CRLF}--{boundary}{CRLF}")
            if not _write_part(child, out):
                return False
        out.append(f"{CRLF}--{boundary}--{CRLF}")
        return True
    body = part.get_payload()
    if not isinstance(body, str) or not body.isascii():
        return False
    out.append(body.replace(CRLF, "\n").replace("\n", CRLF))
    return True


class SmtpTransport:
    """One reused SMTP connection, opened on first use and again after it was lost."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"not an SMTP URL: {parts.scheme}://{parts.hostname or ''}")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port or DEFAULT_PORTS[parts.scheme]
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else ""
        self._timeout = timeout
        self._connection: smtplib.SMTP | None = None

    def send(self, message: EmailMessage, *, sender: str, recipient: str) -> SendResult:
        """Send ``message`` to ``recipient``; see the module docstring for the outcomes."""
        try:
            connection = self._connected()
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            return SendResult(
                Outcome.TEMPORARY, f"connection failed: {_describe(error)}", "connect"
            )
        refused = self._envelope(connection, sender, recipient)
        if refused is not None:
            return refused
        try:
            connection.send(wire_bytes(message))
            code, answer = connection.getreply()
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            detail = f"no answer after the message: {_describe(error)}"
            return SendResult(Outcome.UNCERTAIN, detail, "body")
        if code == SERVICE_CLOSING:
            self._drop()
        return SendResult(classify_reply(code), _reply_text(code, answer), "body")

    def close(self) -> None:
        """Say QUIT politely; a broken connection is simply dropped."""
        if self._connection is None:
            return
        try:
            self._connection.quit()
        except (OSError, smtplib.SMTPException):
            log.debug("SMTP QUIT failed; dropping the connection", exc_info=True)
        self._drop()

    def _envelope(self, connection: smtplib.SMTP, sender: str, recipient: str) -> SendResult | None:
        """MAIL, RCPT and DATA; ``None`` when the server is ready for the body."""
        try:
            steps: tuple[tuple[str, Callable[[], tuple[int, bytes]], tuple[int, ...]], ...] = (
                ("mail", lambda: connection.mail(sender), (250,)),
                ("rcpt", lambda: connection.rcpt(recipient), (250, 251)),
                ("data", lambda: connection.docmd("DATA"), (354,)),
            )
            for stage, command, accepted in steps:
                code, answer = command()
                if code not in accepted:
                    self._reset(connection, code)
                    return SendResult(classify_reply(code), _reply_text(code, answer), stage)
        except (OSError, smtplib.SMTPException) as error:
            # Nothing of the message was handed over: a definite, temporary failure.
            self._drop()
            return SendResult(Outcome.TEMPORARY, f"connection lost: {_describe(error)}", "mail")
        return None

    def _reset(self, connection: smtplib.SMTP, code: int) -> None:
        if code == SERVICE_CLOSING:
            self._drop()
            return
        try:
            connection.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _connected(self) -> smtplib.SMTP:
        if self._connection is not None:
            return self._connection
        connection: smtplib.SMTP
        if self._scheme == "smtps":
            connection = smtplib.SMTP_SSL(
                self._host, self._port, timeout=self._timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        connection.ehlo()
        if self._scheme == "smtp+starttls":
            connection.starttls(context=ssl.create_default_context())
            connection.ehlo()
        if self._username:
            connection.login(self._username, self._password)
        self._connection = connection
        return connection

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except OSError:
                log.debug("Closing a broken SMTP connection failed", exc_info=True)
        self._connection = None


def _reply_text(code: int, answer: bytes) -> str:
    return f"{code} {answer.decode('utf-8', 'replace')}"[:500]


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:480]
