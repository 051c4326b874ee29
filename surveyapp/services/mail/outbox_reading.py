"""Reading the built-in outbox: the stored messages, newest first, and one message taken apart.

Embedded installations without an SMTP server keep every message as an ``OutboxMessage``
(``services/mail/outbox.py``); staff read them here to see what customers would receive.
"""

from __future__ import annotations

import email
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.i18n import N_
from surveyapp.models import OutboxMessage
from surveyapp.services.errors import NotFound

MESSAGES_PER_PAGE = 50


@dataclass(frozen=True)
class OutboxEntry:
    """A stored message as the list shows it (the raw message is not loaded)."""

    id: int
    recipient: str
    subject: str
    stored_at: datetime


@dataclass(frozen=True)
class OutboxPage:
    """One page of stored messages, newest first."""

    entries: Sequence[OutboxEntry]
    page: int
    per_page: int
    total: int

    @property
    def has_previous(self) -> bool:
        """Whether a newer page exists."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether an older page exists."""
        return self.page * self.per_page < self.total


@dataclass(frozen=True)
class ReadMessage:
    """A stored message taken apart: its headers, text part, HTML part and attachment names."""

    id: int
    recipient: str
    subject: str
    stored_at: datetime
    headers: Sequence[tuple[str, str]]
    text: str | None
    html: str | None
    attachments: Sequence[str]


def list_messages(
    session: Session, *, page: int = 1, per_page: int = MESSAGES_PER_PAGE
) -> OutboxPage:
    """One page of the outbox, newest first (by the time the message was stored)."""
    page = max(page, 1)
    query = (
        select(
            OutboxMessage.id,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.stored_at,
        )
        .order_by(OutboxMessage.stored_at.desc(), OutboxMessage.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    total = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    entries = [OutboxEntry(*row) for row in session.execute(query)]
    return OutboxPage(entries=entries, page=page, per_page=per_page, total=total)


def read_message(session: Session, message_id: int) -> ReadMessage:
    """The stored message ``message_id`` parsed (RFC 5322); ``NotFound`` if there is none.

    Header values come decoded (RFC 2047); the text and HTML parts are the message's
    preferred ``text/plain`` and ``text/html`` bodies, ``None`` when it has no such part.
    The HTML is returned as stored: whoever shows it must keep it from running anything.
    """
    stored = session.get(OutboxMessage, message_id)
    if stored is None:
        raise NotFound(N_("This message is not in the outbox."))
    message = parse_raw(stored.raw)
    return ReadMessage(
        id=stored.id,
        recipient=stored.recipient,
        subject=stored.subject,
        stored_at=stored.stored_at,
        headers=[(name, str(value)) for name, value in message.items()],
        text=_body(message, "plain"),
        html=_body(message, "html"),
        attachments=[part.get_filename() or "" for part in message.iter_attachments()],
    )


def parse_raw(raw: str) -> EmailMessage:
    """An RFC 5322 message from its text, with the modern (``email.policy.default``) API."""
    return email.message_from_string(raw, _class=EmailMessage, policy=policy.default)


def _body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return None
    content = part.get_content()
    return content if isinstance(content, str) else None
