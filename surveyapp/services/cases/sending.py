"""Sending case mail (service layer): claim due messages with a lease, send, record outcomes.

A long-running batch service (STYLE 14): it takes a session factory and commits per step,
as invitation dispatch does (``services/dispatch/sending.py``) and with the same promise: at
most once. The claim is committed before anything is sent; a message whose outcome was not
recorded when its lease ran out becomes ``uncertain`` and is never sent again by itself.
A failed or uncertain close-the-loop message is noted on its case's timeline.
Composing needs the mail templates only (no app context).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.case_mail import CaseMailKind, CaseMailState, case_mail_token, move_mail
from surveyapp.domain.case_states import CaseEventKind, Party
from surveyapp.domain.clock import Clock, FixedClock
from surveyapp.domain.dispatch import Outcome, SendResult, backoff
from surveyapp.models import (
    Case,
    CaseMail,
    Response,
    Survey,
    SurveyVersion,
    TeamCaseSettings,
    Touchpoint,
)
from surveyapp.services._db import session_scope
from surveyapp.services.cases.composing import CaseMailData, compose
from surveyapp.services.cases.events import add_event
from surveyapp.services.dispatch.sending import DispatchSettings
from surveyapp.services.mail.transport import Transport

log = logging.getLogger(__name__)

_mails: Table = CaseMail.__table__  # type: ignore[assignment]
LEASE_RAN_OUT = "the worker's lease ran out before the send was recorded"


def send_due_case_mail(
    session_factory: sessionmaker[Session],
    transport: Transport,
    *,
    settings: DispatchSettings,
    clock: Clock,
) -> Counter[str]:
    """Send the case mail that is due, one batch, through ``transport``; counts per outcome.

    Uses the dispatch settings (worker id, sender, base URL, secret, batch size, lease,
    attempts). See the module doc for the transactions.
    """
    counts: Counter[str] = Counter()
    with session_scope(session_factory) as session:
        counts["uncertain"] += _expire_leases(session, clock.now())
        claimed = _claim(session, settings, clock.now())
        data = _load(session, claimed, settings.secret)
    for item in data:
        try:
            message = compose(
                item,
                base_url=settings.base_url,
                sender=settings.sender,
                domain=settings.domain,
                now=clock.now(),
            )
        except ValueError as error:
            result = SendResult(Outcome.PERMANENT, f"cannot be composed: {error}")
        else:
            result = transport.send(message, sender=settings.sender, recipient=item.recipient)
        with session_scope(session_factory) as session:
            counts[_record(session, item, result, settings=settings, clock=clock)] += 1
    counts = +counts  # without the zero counts
    if counts:
        log.info("Case mail of %s: %s", settings.worker_id, dict(counts))
    return counts


def _claim(session: Session, settings: DispatchSettings, now: datetime) -> list[int]:
    move_mail(CaseMailState.QUEUED, CaseMailState.SENDING)
    due = (
        select(_mails.c.id)
        .where(_mails.c.state == CaseMailState.QUEUED, _mails.c.send_at <= now)
        .order_by(_mails.c.send_at, _mails.c.id)
        .limit(settings.batch_size)
        # PostgreSQL: workers skip each other's rows instead of waiting (SQLite has one writer).
        .with_for_update(skip_locked=True)
    )
    rows = session.execute(
        _mails.update()
        .where(_mails.c.id.in_(due.scalar_subquery()))
        .values(
            state=CaseMailState.SENDING,
            lease_owner=settings.worker_id,
            lease_expires_at=now + settings.lease,
            attempts=_mails.c.attempts + 1,
        )
        .returning(_mails.c.id)
    ).all()
    return sorted(row.id for row in rows)


def _load(session: Session, ids: Sequence[int], secret: str) -> list[CaseMailData]:
    if not ids:
        return []
    rows = session.execute(
        select(
            CaseMail,
            Case.resolution_due_at,
            Case.first_action_due_at,
            Case.first_action_at,
            Touchpoint.name,
            Survey.name,
            TeamCaseSettings.timezone,
        )
        .join(Case, Case.id == CaseMail.case_id)
        .join(Response, Response.id == Case.response_id)
        .join(SurveyVersion, SurveyVersion.id == Response.survey_version_id)
        .join(Survey, Survey.id == SurveyVersion.survey_id)
        .outerjoin(Touchpoint, Touchpoint.id == Case.touchpoint_id)
        .outerjoin(TeamCaseSettings, TeamCaseSettings.team_id == Case.team_id)
        .where(CaseMail.id.in_(ids))
        .order_by(CaseMail.id)
    ).all()
    return [_data(row, secret) for row in rows]


def _data(row: Any, secret: str) -> CaseMailData:
    mail: CaseMail = row[0]
    resolution_due, first_due, first_at, touchpoint, survey, timezone = row[1:]
    due = first_due if first_at is None else resolution_due
    return CaseMailData(
        mail_id=mail.id,
        kind=mail.kind,
        recipient=mail.recipient,
        name=mail.recipient_name,
        locale=mail.locale,
        case_id=mail.case_id,
        topic=touchpoint or survey,
        body=mail.body,
        token=case_mail_token(secret, mail.id) if mail.kind == CaseMailKind.CLOSE_LOOP else None,
        due_at=None if mail.kind == CaseMailKind.CLOSE_LOOP else due,
        timezone=timezone or "UTC",
    )


def _record(
    session: Session,
    item: CaseMailData,
    result: SendResult,
    *,
    settings: DispatchSettings,
    clock: Clock,
) -> str:
    mail = session.get(CaseMail, item.mail_id)
    if mail is None or mail.state != CaseMailState.SENDING:
        return "lost"  # the lease ran out meanwhile: already uncertain
    now = clock.now()
    mail.lease_owner = mail.lease_expires_at = None
    mail.last_error = None if result.outcome == Outcome.SENT else result.detail[:500]
    if result.outcome == Outcome.SENT:
        mail.state = move_mail(mail.state, CaseMailState.SENT)
        mail.sent_at = now
    elif result.outcome == Outcome.TEMPORARY and mail.attempts < settings.max_attempts:
        mail.state = move_mail(mail.state, CaseMailState.QUEUED)
        mail.send_at = now + backoff(mail.attempts)
        return "retry"
    elif result.outcome == Outcome.UNCERTAIN:
        mail.state = move_mail(mail.state, CaseMailState.UNCERTAIN)
    else:
        mail.state = move_mail(mail.state, CaseMailState.FAILED)
    if mail.state != CaseMailState.SENT:
        _note_failure(session, mail, result.detail, clock)
    return mail.state.value


def _expire_leases(session: Session, now: datetime) -> int:
    move_mail(CaseMailState.SENDING, CaseMailState.UNCERTAIN)
    stuck = session.scalars(
        select(CaseMail).where(
            CaseMail.state == CaseMailState.SENDING, CaseMail.lease_expires_at < now
        )
    ).all()
    for mail in stuck:
        mail.state = CaseMailState.UNCERTAIN
        mail.last_error = LEASE_RAN_OUT
        mail.lease_owner = mail.lease_expires_at = None
        _note_failure(session, mail, LEASE_RAN_OUT, FixedClock(now))
    return len(stuck)


def _note_failure(session: Session, mail: CaseMail, detail: str, clock: Clock) -> None:
    if mail.kind != CaseMailKind.CLOSE_LOOP:
        return
    add_event(
        session,
        mail.case_id,
        CaseEventKind.MAIL_FAILED,
        actor=Party.SYSTEM,
        clock=clock,
        body=detail[:500],
        details={"mail_id": mail.id, "state": mail.state.value},
    )
