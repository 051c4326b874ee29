"""Writing to the customer (service layer): the close-the-loop message and its answer.

Staff write the message, starting from a localized draft in the customer's language; it is
queued as a ``CaseMail`` and sent by the case mail job through the installation's mail
transport (SMTP or the built-in outbox), like invitations. The message ends with "Did we
solve your issue?": the customer's "yes" is recorded, a "no" reopens a resolved or closed case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.case_mail import (
    MAX_MESSAGE_LENGTH,
    CaseMailKind,
    CaseMailState,
    CustomerVerdict,
    case_mail_token,
)
from surveyapp.domain.case_states import CaseEventKind, Party
from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.tokens import hash_token
from surveyapp.models import Case, CaseMail, User
from surveyapp.services.cases import access, work
from surveyapp.services.cases.events import add_event
from surveyapp.services.dispatch.bounces import find_suppression
from surveyapp.services.errors import NotFound, ValidationFailed
from surveyapp.services.mail.rendering import catalogue_locale, translate

log = logging.getLogger(__name__)

DRAFT = N_(
    "Thank you for taking the time to tell us about your experience. We have looked into "
    "it, and this is what we did:\n\n\n\nIf anything is still not right, just let us know."
)


@dataclass(frozen=True)
class Recipient:
    """Where a close-the-loop message goes, and the draft to start from."""

    email: str
    name: str | None
    locale: str
    draft: str
    suppressed: bool


def recipient_of(session: Session, case: Case, *, default_locale: str = "en") -> Recipient | None:
    """The customer to write to, in their language, or ``None`` (anonymous, erased, no email).

    ``suppressed``: the address bounced or complained before; a message would not arrive.
    """
    contact = case.contact
    if contact is None or not contact.email or contact.erased_at is not None:
        return None
    locale = catalogue_locale(contact.locale or case.response.locale or default_locale)
    return Recipient(
        email=contact.email,
        name=contact.name,
        locale=locale,
        draft=translate(DRAFT, locale=locale),
        suppressed=find_suppression(session, contact.email) is not None,
    )


def write_to_customer(
    session: Session,
    case: Case,
    body: str,
    *,
    secret: str,
    actor: User,
    clock: Clock,
) -> CaseMail:
    """Queue a close-the-loop message with ``body`` to the case's customer.

    A human action: the first one stamps ``first_action_at`` and starts a new case. The
    message's answer links carry a token derived from ``secret`` (only its hash is stored).
    Raises ``PermissionDenied``, ``ValidationFailed`` (no address, a suppressed address, an
    empty or too long ``body``). Flushes.
    """
    access.check_may_work(actor, case)
    recipient = recipient_of(session, case)
    if recipient is None:
        raise ValidationFailed(N_("This customer has no email address to write to."))
    if recipient.suppressed:
        raise ValidationFailed(
            N_("Mail to this address bounced or was refused before; call the customer instead.")
        )
    text = body.strip()
    if not text:
        raise ValidationFailed.on_field("body", N_("Write something first."))
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ValidationFailed.on_field("body", N_("Use at most 5,000 characters."))
    now = clock.now()
    mail = CaseMail(
        case_id=case.id,
        kind=CaseMailKind.CLOSE_LOOP,
        state=CaseMailState.QUEUED,
        recipient=recipient.email,
        recipient_name=recipient.name,
        locale=recipient.locale,
        body=text,
        send_at=now,
        attempts=0,
        created_at=now,
        created_by_id=actor.id,
    )
    session.add(mail)
    session.flush()
    mail.token_hash = hash_token(case_mail_token(secret, mail.id))
    work.record_human_action(
        session,
        case,
        CaseEventKind.MESSAGE,
        body=text,
        details={"mail_id": mail.id, "to": recipient.email},
        actor=actor,
        clock=clock,
    )
    session.flush()
    log.info("Case %s: message %s queued by %s", case.id, mail.id, actor.id)
    return mail


def mail_for_token(session: Session, token: str) -> CaseMail:
    """The close-the-loop message whose answer links carry ``token``, or ``NotFound``."""
    mail = session.scalars(
        select(CaseMail).where(CaseMail.token_hash == hash_token(token))
    ).one_or_none()
    if mail is None or mail.kind != CaseMailKind.CLOSE_LOOP:
        raise NotFound(N_("This link is not valid."))
    return mail


def record_verdict(
    session: Session, token: str, verdict: CustomerVerdict, *, clock: Clock
) -> CaseMail:
    """Record the customer's answer to "Did we solve your issue?" (the newest answer counts).

    "Not solved" reopens a resolved or closed case (``domain.case_states``: the customer may).
    Answering the same again changes nothing. Raises ``NotFound`` for an unknown token.
    Flushes.
    """
    mail = mail_for_token(session, token)
    if mail.verdict == verdict:
        return mail
    case = work.get_case(session, mail.case_id)
    now = clock.now()
    mail.verdict = verdict
    mail.answered_at = now
    case.customer_verdict = verdict
    case.updated_at = now
    kind = (
        CaseEventKind.CUSTOMER_SOLVED
        if verdict == CustomerVerdict.SOLVED
        else CaseEventKind.CUSTOMER_NOT_SOLVED
    )
    add_event(
        session, case.id, kind, actor=Party.CUSTOMER, clock=clock, details={"mail_id": mail.id}
    )
    if verdict == CustomerVerdict.NOT_SOLVED:
        work.reopen_as_customer(session, case, clock=clock)
    session.flush()
    log.info("Case %s: the customer answered %s", case.id, verdict)
    return mail
