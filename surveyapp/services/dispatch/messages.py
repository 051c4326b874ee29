"""Invitation and reminder emails (dispatch service): one invitation's data as a ready message.

``compose`` is pure apart from rendering the templates: it reads no database, no clock and no
request, so the sender calls it once per attempt and gets the same message (and Message-ID)
every time, apart from the Date and attempt headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from urllib.parse import quote

from surveyapp.domain.dispatch import MailKind, message_id
from surveyapp.domain.i18n import N_
from surveyapp.domain.survey_definition import Question, SurveyDefinition, Wording
from surveyapp.services.mail.rendering import (
    alternative_message,
    render_mail,
    reusable_header,
    translate,
)

TEMPLATE = "invitation"
# Interaction attributes that name what the contact will recognise (a ticket or order number),
# in order of preference.
REFERENCE_KEYS = ("reference", "ticket", "ticket_id", "order", "order_id", "case", "number")
MAX_REFERENCE_LENGTH = 64
SUBJECTS = {
    MailKind.INVITATION: N_("How did we do? %(topic)s"),
    MailKind.REMINDER: N_("Reminder: how did we do? %(topic)s"),
}
ONE_CLICK = "List-Unsubscribe=One-Click"  # RFC 8058
# Out-of-office and auto-replies to an invitation only add noise (Exchange honours this).
NO_AUTO_RESPONSES = "OOF, AutoReply"


@dataclass(frozen=True)
class InvitationMail:
    """Everything one message needs, loaded by the dispatcher (plain data, no ORM objects)."""

    invitation_id: int
    kind: MailKind
    attempt: int  # 1-based send attempt; goes into the X-Surveyapp-Attempt header
    recipient: str  # email address
    name: str | None  # the contact's name for the greeting; None: a neutral greeting
    locale: str  # the contact's language; the survey's default when the survey lacks it
    token: str  # the invitation's link token: /s/<token>
    preference_token: str  # /p/<token> preference centre, /p/<token>/unsubscribe one-click
    definition: SurveyDefinition  # the published version's document
    touchpoint_name: str
    reference: str | None  # e.g. the ticket or order number, when the interaction has one


@dataclass(frozen=True)
class ScoreLink:
    """One score button of the email: the score and the survey link that preselects it."""

    score: int
    url: str


@dataclass(frozen=True)
class RatingBlock:
    """The primary rating question as the email shows it, in the message's language."""

    prompt: str
    low: str
    high: str
    links: tuple[ScoreLink, ...]


def find_reference(attributes: Mapping[str, object] | None) -> str | None:
    """The number a contact recognises their interaction by, from its attributes.

    The first of ``REFERENCE_KEYS`` holding a non-empty string or integer wins; whitespace is
    collapsed (it ends up in the Subject header) and the value is cut to
    ``MAX_REFERENCE_LENGTH`` characters. ``None`` when no key fits.
    """
    for key in REFERENCE_KEYS:
        value = (attributes or {}).get(key)
        if isinstance(value, bool) or not isinstance(value, str | int):
            continue
        text = _one_line(str(value))[:MAX_REFERENCE_LENGTH].strip()
        if text:
            return text
    return None


def compose(
    mail: InvitationMail, *, base_url: str, sender: str, domain: str, now: datetime
) -> EmailMessage:
    """The complete invitation or reminder for ``mail``: headers, text and HTML, localized.

    Args:
        mail: the invitation's data.
        base_url: the public address of the installation, e.g. ``https://feedback.example``;
            every link of the message starts with it (no request exists in a job).
        sender: the From header, e.g. ``"Acme <surveys@acme.example>"``.
        domain: the domain of the Message-ID and of the mailto unsubscribe address.
        now: the Date header; must be timezone-aware.

    Returns:
        A ``multipart/alternative`` message (text, then HTML), 7-bit clean, so it travels over
        servers without 8BITMIME or SMTPUTF8. The Message-ID depends only on the invitation
        and the kind, so it is identical on every retry. Not serialised: the transport applies
        SMTP line endings.

    Raises:
        ValueError: ``now`` is naive, or the recipient's address cannot be written in a
            header (a non-ASCII address raises ``UnicodeEncodeError``, a ``ValueError``):
            retrying will not help.
    """
    if now.tzinfo is None:
        raise ValueError("the Date of a message needs a timezone-aware datetime")
    definition = mail.definition
    locale = definition.best_locale(mail.locale)
    base = base_url.rstrip("/")
    survey_url = f"{base}/s/{quote(mail.token, safe='')}"
    preferences_url = f"{base}/p/{quote(mail.preference_token, safe='')}"
    topic = _one_line(mail.touchpoint_name)
    if mail.reference:
        topic = f"{topic} ({_one_line(mail.reference)})"
    subject = translate(SUBJECTS[mail.kind], locale=locale, topic=topic)
    name = _one_line(mail.name or "") or None
    text, html = render_mail(
        TEMPLATE,
        {
            "locale": locale,
            "subject": subject,
            "is_reminder": mail.kind == MailKind.REMINDER,
            "name": name,
            "topic": topic,
            "rating": _rating_block(definition, locale, survey_url),
            "has_follow_up": len(definition.questions) > len(definition.first_step()),
            "survey_url": survey_url,
            "trap_url": f"{survey_url}/t",
            "preferences_url": preferences_url,
            "unsubscribe_url": f"{preferences_url}/unsubscribe",
        },
        locale=locale,
    )
    headers = {
        "Subject": subject,
        "From": reusable_header("From", sender),
        # formataddr quotes and encodes the name; its result is plain ASCII (see MAIL_POLICY).
        "To": formataddr((name or "", mail.recipient)),
        "Date": format_datetime(now),
        "Message-ID": message_id(mail.invitation_id, mail.kind, domain),
        "Content-Language": locale,
        "X-Surveyapp-Attempt": str(mail.attempt),
        "List-Unsubscribe": (
            f"<{preferences_url}/unsubscribe>, "
            f"<mailto:unsubscribe@{domain}?subject=unsubscribe-{quote(mail.preference_token)}>"
        ),
        "List-Unsubscribe-Post": ONE_CLICK,
        "X-Auto-Response-Suppress": NO_AUTO_RESPONSES,
    }
    return alternative_message(headers, text, html)


def _rating_block(definition: SurveyDefinition, locale: str, survey_url: str) -> RatingBlock | None:
    question = definition.primary_rating
    if question is None or question.scale is None:
        return None
    wording = _wording(question, locale, definition.default_locale)
    links = tuple(
        ScoreLink(score, f"{survey_url}?score={score}") for score in question.scale.points
    )
    return RatingBlock(wording.prompt, wording.low, wording.high, links)


def _wording(question: Question, locale: str, default_locale: str) -> Wording:
    # A published version has every locale's wording; older documents may lack one.
    wording = question.wording.get(locale)
    if wording is not None and wording.prompt.strip():
        return wording
    return question.wording.get(default_locale) or Wording()


def _one_line(text: str) -> str:
    """``text`` with every run of whitespace, line breaks included, as one space."""
    return " ".join(text.split())
