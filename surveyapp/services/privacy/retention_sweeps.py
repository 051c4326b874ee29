"""What each retention kind removes (service layer): the due rows, and removing them by batch.

Every kind has one query naming its due rows (``due_ids``), shared by the preview's count and
the run's batches, so the preview shows exactly what a run would remove. A batch changes a row
only while it is still due, and the change makes it no longer due, so running twice, or two
runs at once, never removes a row twice (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: one
writer at a time).

- free text: text answers of responses submitted (or, unsubmitted, started) before the
  cut-off are removed and ``has_comment`` cleared; scores and every derived field stay. The
  kudos quoting such a response lose their comment too.
- inactive contacts: contacts, not yet erased, with no change, interaction, invitation,
  response, consent entry or case since the cut-off and no open case, are erased through the
  contact erasure service (as an erasure request would be).
- outbox bodies: messages of the built-in outbox stored, and case mails sent or failed, before
  the cut-off lose body and recipient; kind, subject, state and times stay for delivery stats.
- audit log: events older than the cut-off are deleted, whatever their kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from surveyapp.domain.case_mail import CaseMailState
from surveyapp.domain.clock import Clock
from surveyapp.domain.retention import RetentionKind
from surveyapp.domain.scoring import QuestionType
from surveyapp.domain.survey_definition import from_document
from surveyapp.models import (
    AuditEvent,
    Case,
    CaseMail,
    ConsentEvent,
    Contact,
    Interaction,
    Invitation,
    Kudos,
    OutboxMessage,
    Response,
    SurveyVersion,
)
from surveyapp.services import contacts

FINISHED_MAIL = (CaseMailState.SENT, CaseMailState.FAILED)


@dataclass(frozen=True)
class Sweep:
    """One table a kind acts on: its due rows before a cut-off, and how a batch is removed."""

    model: type
    due: Callable[[datetime], ColumnElement[bool]]
    purge: Callable[[Session, Sequence[int], Clock], int]
    # Rows per transaction at most: an erasure touches many tables, a cleared body one row.
    max_batch: int = 500


def due_ids(sweep: Sweep, cutoff: datetime) -> Select[int]:
    """The ids of the rows of ``sweep`` that are due at ``cutoff``."""
    model_id = sweep.model.id  # type: ignore[attr-defined]
    return select(model_id).where(sweep.due(cutoff))


def count_due(session: Session, sweep: Sweep, cutoff: datetime) -> int:
    """How many rows of ``sweep`` a run at ``cutoff`` would change."""
    query = select(func.count()).select_from(due_ids(sweep, cutoff).subquery())
    return session.scalar(query) or 0


def next_batch(
    session: Session, sweep: Sweep, cutoff: datetime, *, after: int, size: int
) -> Sequence[int]:
    """Up to ``size`` due ids above ``after``, locked for this transaction where possible."""
    model_id = sweep.model.id  # type: ignore[attr-defined]
    query = (
        due_ids(sweep, cutoff)
        .where(model_id > after)
        .order_by(model_id)
        .limit(size)
        .with_for_update(skip_locked=True, of=sweep.model)
    )
    return session.scalars(query).all()


# --- free text ------------------------------------------------------------------------------


def _free_text_due(cutoff: datetime) -> ColumnElement[bool]:
    answered_at = func.coalesce(Response.submitted_at, Response.started_at)
    return Response.has_comment.is_(True) & (answered_at < cutoff)


def _purge_free_text(session: Session, ids: Sequence[int], _clock: Clock) -> int:
    responses = session.scalars(select(Response).where(Response.id.in_(ids))).all()
    text_keys: dict[int, set[str]] = {}
    for response in responses:
        keys = text_keys.get(response.survey_version_id)
        if keys is None:
            keys = text_keys[response.survey_version_id] = _text_keys_of(
                session, response.survey_version_id
            )
        response.answers = {k: v for k, v in response.answers.items() if k not in keys}
        response.has_comment = False
    session.execute(update(Kudos).where(Kudos.response_id.in_(ids)).values(comment=""))
    session.flush()
    return len(responses)


def _text_keys_of(session: Session, version_id: int) -> set[str]:
    version = session.get(SurveyVersion, version_id)
    if version is None:  # pragma: no cover -- responses cascade with their version
        return set()
    definition = from_document(version.definition)
    return {q.key for q in definition.questions if q.type == QuestionType.TEXT}


# --- inactive contacts ----------------------------------------------------------------------


def _inactive_contact_due(cutoff: datetime) -> ColumnElement[bool]:
    own = Contact.id
    answered = (
        select(Response.id)
        .join(Invitation, Response.invitation_id == Invitation.id)
        .where(Invitation.contact_id == own, Response.updated_at >= cutoff)
    )
    return (
        Contact.erased_at.is_(None)
        & (Contact.updated_at < cutoff)
        & ~exists().where(Interaction.contact_id == own, Interaction.occurred_at >= cutoff)
        & ~exists().where(Invitation.contact_id == own, Invitation.created_at >= cutoff)
        & ~exists(answered)
        & ~exists().where(ConsentEvent.contact_id == own, ConsentEvent.recorded_at >= cutoff)
        & ~exists().where(
            Case.contact_id == own, or_(Case.is_open.is_(True), Case.updated_at >= cutoff)
        )
    )


def _purge_inactive_contacts(session: Session, ids: Sequence[int], clock: Clock) -> int:
    for contact_id in ids:
        contacts.erase_contact(session, contact_id, clock=clock, actor=None)
    session.flush()
    return len(ids)


# --- outbox bodies --------------------------------------------------------------------------


def _outbox_due(cutoff: datetime) -> ColumnElement[bool]:
    return (OutboxMessage.stored_at < cutoff) & (
        (OutboxMessage.raw != "") | (OutboxMessage.recipient != "")
    )


def _purge_outbox(session: Session, ids: Sequence[int], _clock: Clock) -> int:
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(raw="", recipient="")
        .returning(OutboxMessage.id)
    )
    return len(session.execute(statement, execution_options={"synchronize_session": False}).all())


def _case_mail_due(cutoff: datetime) -> ColumnElement[bool]:
    finished_at = func.coalesce(CaseMail.sent_at, CaseMail.created_at)
    return (
        CaseMail.state.in_(FINISHED_MAIL)
        & (finished_at < cutoff)
        & (
            (CaseMail.body != "")
            | (CaseMail.recipient != "")
            | CaseMail.recipient_name.is_not(None)
        )
    )


def _purge_case_mail(session: Session, ids: Sequence[int], _clock: Clock) -> int:
    statement = (
        update(CaseMail)
        .where(CaseMail.id.in_(ids))
        .values(body="", recipient="", recipient_name=None)
        .returning(CaseMail.id)
    )
    return len(session.execute(statement, execution_options={"synchronize_session": False}).all())


# --- audit log ------------------------------------------------------------------------------


def _audit_due(cutoff: datetime) -> ColumnElement[bool]:
    return AuditEvent.occurred_at < cutoff


def _purge_audit(session: Session, ids: Sequence[int], _clock: Clock) -> int:
    statement = delete(AuditEvent).where(AuditEvent.id.in_(ids)).returning(AuditEvent.id)
    return len(session.execute(statement, execution_options={"synchronize_session": False}).all())


SWEEPS: dict[RetentionKind, tuple[Sweep, ...]] = {
    RetentionKind.FREE_TEXT: (Sweep(Response, _free_text_due, _purge_free_text),),
    RetentionKind.INACTIVE_CONTACTS: (
        Sweep(Contact, _inactive_contact_due, _purge_inactive_contacts, max_batch=1),
    ),
    RetentionKind.OUTBOX_BODIES: (
        Sweep(OutboxMessage, _outbox_due, _purge_outbox),
        Sweep(CaseMail, _case_mail_due, _purge_case_mail),
    ),
    RetentionKind.AUDIT_LOG: (Sweep(AuditEvent, _audit_due, _purge_audit),),
}
