"""Case mail as ready messages (service layer): close-the-loop messages and staff notices.

``compose`` reads no database, clock or request: the sender loads a ``CaseMailData`` and calls
it once per attempt, getting the same message (and Message-ID) every time apart from the Date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from urllib.parse import quote
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_datetime

from surveyapp.domain.case_mail import CaseMailKind, CustomerVerdict, case_message_id
from surveyapp.domain.i18n import N_
from surveyapp.services.mail.rendering import (
    alternative_message,
    catalogue_locale,
    render_mail,
    reusable_header,
    translate,
)

CUSTOMER_TEMPLATE = "case_message"
NOTICE_TEMPLATE = "case_notice"
SUBJECTS = {
    CaseMailKind.CLOSE_LOOP: N_("About your feedback: %(topic)s"),
    CaseMailKind.ASSIGNED: N_("Case %(number)s was assigned to you: %(topic)s"),
    CaseMailKind.REMINDER: N_("Reminder: case %(number)s is overdue"),
    CaseMailKind.ESCALATION: N_("Escalation: case %(number)s is still overdue"),
}
NO_AUTO_RESPONSES = "OOF, AutoReply"


@dataclass(frozen=True)
class CaseMailData:
    """Everything one case mail needs (plain data, loaded by the sender)."""

    mail_id: int
    kind: CaseMailKind
    recipient: str
    name: str | None
    locale: str
    case_id: int
    topic: str  # the touchpoint's name, else the survey's
    body: str = ""  # what staff wrote (close-the-loop)
    token: str | None = None  # the answer links' token (close-the-loop)
    due_at: datetime | None = None  # the missed or coming due time (notices)
    timezone: str = "UTC"  # the team's time zone, for showing ``due_at``


def compose(
    data: CaseMailData, *, base_url: str, sender: str, domain: str, now: datetime
) -> EmailMessage:
    """The complete message for ``data``: headers, text and HTML, in ``data.locale``.

    Links start with ``base_url``; ``now`` (aware) is the Date header. Raises ``ValueError``
    for a naive ``now`` or an address that cannot be written in a header.
    """
    if now.tzinfo is None:
        raise ValueError("the Date of a message needs a timezone-aware datetime")
    locale = catalogue_locale(data.locale)
    base = base_url.rstrip("/")
    topic = " ".join(data.topic.split())
    subject = translate(SUBJECTS[data.kind], locale=locale, topic=topic, number=data.case_id)
    name = " ".join((data.name or "").split()) or None
    context: dict[str, object] = {"locale": locale, "subject": subject, "name": name}
    if data.kind == CaseMailKind.CLOSE_LOOP:
        assert data.token is not None  # noqa: S101 -- the sender always derives it
        answer_url = f"{base}/c/{quote(data.token, safe='')}"
        context |= {
            "paragraphs": [p.strip() for p in data.body.split("\n\n") if p.strip()],
            "solved_url": f"{answer_url}?answer={CustomerVerdict.SOLVED.value}",
            "not_solved_url": f"{answer_url}?answer={CustomerVerdict.NOT_SOLVED.value}",
        }
        template = CUSTOMER_TEMPLATE
    else:
        context |= {
            "kind": data.kind.value,
            "number": data.case_id,
            "topic": topic,
            "case_url": f"{base}/cases/{data.case_id}",
            "due": _due_text(data, locale),
        }
        template = NOTICE_TEMPLATE
    text, html = render_mail(template, context, locale=locale)
    headers = {
        "Subject": subject,
        "From": reusable_header("From", sender),
        "To": formataddr((name or "", data.recipient)),
        "Date": format_datetime(now),
        "Message-ID": case_message_id(data.mail_id, domain),
        "Content-Language": locale,
        "X-Auto-Response-Suppress": NO_AUTO_RESPONSES,
    }
    return alternative_message(headers, text, html)


def _due_text(data: CaseMailData, locale: str) -> str:
    if data.due_at is None:
        return ""
    zone = ZoneInfo(data.timezone)
    when = babel_datetime(data.due_at, "medium", tzinfo=zone, locale=locale)
    return f"{when} ({data.timezone})"
