"""Mail to staff that belongs to no single case (service layer): kudos and the daily digest.

``compose_staff_mail`` reads no database or clock. Senders (``kudos``, ``digest``) claim their
work in a committed transaction first and send afterwards, as every sender here does: at most
once. A message that fails is logged and not retried; these mails are informative, and the
same facts are on the kudos page and in the inbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from surveyapp.domain.dispatch import Outcome
from surveyapp.services.dispatch.sending import DispatchSettings
from surveyapp.services.mail.rendering import (
    alternative_message,
    catalogue_locale,
    render_mail,
    reusable_header,
    translate,
)
from surveyapp.services.mail.transport import Transport

log = logging.getLogger(__name__)

NO_AUTO_RESPONSES = "OOF, AutoReply"


@dataclass(frozen=True)
class StaffMail:
    """One message to a staff member: template, subject msgid and plain-data context."""

    key: str  # unique per message, the Message-ID's left part ("digest-2026-03-02-7")
    template: str
    subject: str  # a msgid marked with N_, filled with ``subject_vars``
    recipient: str
    name: str | None
    locale: str
    context: dict[str, object]
    subject_vars: dict[str, object]


def compose_staff_mail(
    mail: StaffMail, *, base_url: str, sender: str, domain: str, now: datetime
) -> EmailMessage:
    """The complete message (text and HTML) in ``mail.locale``; links start with ``base_url``.

    Raises ``ValueError`` for a naive ``now`` or an address that cannot be written in a header.
    """
    if now.tzinfo is None:
        raise ValueError("the Date of a message needs a timezone-aware datetime")
    locale = catalogue_locale(mail.locale)
    # Names in the subject (an agent's) may hold line breaks: a header must stay one line.
    subject = " ".join(translate(mail.subject, locale=locale, **mail.subject_vars).split())
    name = " ".join((mail.name or "").split()) or None
    context = {
        **mail.context,
        "locale": locale,
        "subject": subject,
        "name": name,
        "base_url": base_url.rstrip("/"),
    }
    text, html = render_mail(mail.template, context, locale=locale)
    headers = {
        "Subject": subject,
        "From": reusable_header("From", sender),
        "To": formataddr((name or "", mail.recipient)),
        "Date": format_datetime(now),
        "Message-ID": f"<{mail.key}@{domain}>",
        "Content-Language": locale,
        "X-Auto-Response-Suppress": NO_AUTO_RESPONSES,
    }
    return alternative_message(headers, text, html)


def send_staff_mail(
    mails: list[StaffMail], transport: Transport, *, settings: DispatchSettings, now: datetime
) -> int:
    """Send ``mails`` (already claimed and committed) through ``transport``; how many went."""
    sent = 0
    for mail in mails:
        try:
            message = compose_staff_mail(
                mail,
                base_url=settings.base_url,
                sender=settings.sender,
                domain=settings.domain,
                now=now,
            )
        except ValueError:
            log.warning("Staff mail %s cannot be composed", mail.key, exc_info=True)
            continue
        result = transport.send(message, sender=settings.sender, recipient=mail.recipient)
        if result.outcome == Outcome.SENT:
            sent += 1
        else:
            log.warning("Staff mail %s not sent: %s", mail.key, result.detail)
    return sent
