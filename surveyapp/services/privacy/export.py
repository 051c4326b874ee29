"""A contact's access export (service layer): everything stored about them, as JSON data.

The export reads the contact's footprint (``footprint``), the same rows erasure removes,
and returns plain JSON-ready data, one section per kind of row. Staff identities and other
customers stay out: case timelines show what happened, not which colleague did it, and staff
mail quoting several customers is not part of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.case_mail import CaseMailKind
from surveyapp.domain.clock import Clock
from surveyapp.domain.tokens import hash_token
from surveyapp.models import (
    AuditEvent,
    Case,
    CaseEvent,
    CaseMail,
    CaseResurvey,
    ConsentEvent,
    Contact,
    Goodwill,
    Interaction,
    Invitation,
    InvitationEvent,
    Kudos,
    LinkFetch,
    Response,
    SuppressedAddress,
    Touchpoint,
    User,
    WebDisplay,
)
from surveyapp.services import audit
from surveyapp.services.privacy import footprint
from surveyapp.services.privacy.footprint import Footprint
from surveyapp.services.privacy.outbox import messages_to

FORMAT_VERSION = 2


def export_contact(
    session: Session, contact_id: int, *, clock: Clock, actor: User
) -> dict[str, Any]:
    """Everything stored about contact ``contact_id`` (an access request). Audited; flushes.

    Times are ISO 8601 in UTC; money amounts are decimal strings. Raises ``NotFound``.
    """
    contact = footprint.get_contact(session, contact_id)
    found = footprint.footprint_of(session, contact)
    data = {
        "format_version": FORMAT_VERSION,
        "exported_at": _iso(clock.now()),
        "contact": _contact(contact),
        "suppression": _suppression(session, contact.email),
        "consent": _consent(session, contact),
        "interactions": _interactions(session, found),
        "invitations": _invitations(session, found),
        "responses": _responses(session, found),
        "kudos": _kudos(session, found),
        "cases": _cases(session, found),
        "mail": _mail(session, contact),
        "audit": _audit(session, contact),
    }
    audit.record(session, "contact.exported", clock=clock, actor=actor, target=contact)
    session.flush()
    return data


def _contact(contact: Contact) -> dict[str, Any]:
    return {
        "external_id": contact.external_id,
        "email": contact.email,
        "name": contact.name,
        "locale": contact.locale,
        "timezone": contact.timezone,
        "attributes": contact.attributes,
        "created_at": _iso(contact.created_at),
        "updated_at": _iso(contact.updated_at),
        "erased_at": _iso(contact.erased_at),
    }


def _suppression(session: Session, email: str | None) -> dict[str, Any] | None:
    if not email:
        return None
    entry = session.get(SuppressedAddress, hash_token(email.strip().lower()))
    if entry is None:
        return None
    return {"reason": entry.reason, "since": _iso(entry.created_at), "detail": entry.detail}


def _consent(session: Session, contact: Contact) -> list[dict[str, Any]]:
    query = (
        select(ConsentEvent)
        .where(ConsentEvent.contact_id == contact.id)
        .order_by(ConsentEvent.occurred_at, ConsentEvent.id)
    )
    return [
        {
            "purpose": event.purpose,
            "channel": event.channel.value,
            "action": event.action.value,
            "source": event.source.value,
            "text_version_id": event.text_version_id,
            "ip_hash": event.ip_hash,
            "user_agent": event.user_agent,
            "occurred_at": _iso(event.occurred_at),
            "recorded_at": _iso(event.recorded_at),
        }
        for event in session.scalars(query)
    ]


def _interactions(session: Session, found: Footprint) -> list[dict[str, Any]]:
    query = (
        select(Interaction, Touchpoint.key)
        .join(Touchpoint, Touchpoint.id == Interaction.touchpoint_id)
        .where(Interaction.id.in_(found.interaction_ids))
        .order_by(Interaction.occurred_at, Interaction.id)
    )
    return [
        {
            "id": interaction.id,
            "touchpoint": touchpoint_key,
            "event_id": interaction.idempotency_key,
            "occurred_at": _iso(interaction.occurred_at),
            "received_at": _iso(interaction.received_at),
            "attributes": interaction.attributes,
            "contact_channel": interaction.contact_channel,
            "first_response_seconds": interaction.first_response_seconds,
            "resolution_seconds": interaction.resolution_seconds,
            "solved_first_contact": interaction.solved_first_contact,
        }
        for interaction, touchpoint_key in session.execute(query)
    ]


def _invitations(session: Session, found: Footprint) -> list[dict[str, Any]]:
    ids = found.invitation_ids
    events = _grouped(
        session.scalars(
            select(InvitationEvent)
            .where(InvitationEvent.invitation_id.in_(ids))
            .order_by(InvitationEvent.occurred_at, InvitationEvent.id)
        ),
        "invitation_id",
    )
    fetches = _grouped(
        session.scalars(
            select(LinkFetch).where(LinkFetch.invitation_id.in_(ids)).order_by(LinkFetch.id)
        ),
        "invitation_id",
    )
    displays = _grouped(
        session.scalars(select(WebDisplay).where(WebDisplay.invitation_id.in_(ids))),
        "invitation_id",
    )
    query = select(Invitation).where(Invitation.id.in_(ids)).order_by(Invitation.id)
    return [
        {
            "id": invitation.id,
            "survey_version_id": invitation.survey_version_id,
            "interaction_id": invitation.interaction_id,
            "channel": invitation.channel.value,
            "locale": invitation.locale,
            "state": invitation.state.value,
            "suppression_reasons": invitation.suppression_reasons,
            "created_at": _iso(invitation.created_at),
            "send_at": _iso(invitation.send_at),
            "sent_at": _iso(invitation.sent_at),
            "expires_at": _iso(invitation.expires_at),
            "first_opened_at": _iso(invitation.first_opened_at),
            "last_error": invitation.last_error,
            "events": [
                {"kind": e.kind, "occurred_at": _iso(e.occurred_at), "detail": e.detail}
                for e in events.get(invitation.id, [])
            ],
            "link_fetches": [
                {"fetched_at": _iso(f.fetched_at), "score": f.score}
                for f in fetches.get(invitation.id, [])
            ],
            "web_displays": [
                {
                    "origin": d.origin,
                    "shown_at": _iso(d.shown_at),
                    "dismissed_at": _iso(d.dismissed_at),
                }
                for d in displays.get(invitation.id, [])
            ],
        }
        for invitation in session.scalars(query)
    ]


def _responses(session: Session, found: Footprint) -> list[dict[str, Any]]:
    query = (
        select(Response)
        .where(Response.id.in_(found.response_ids))
        .order_by(Response.started_at, Response.id)
    )
    return [
        {
            "id": response.id,
            "invitation_id": response.invitation_id,
            "survey_version_id": response.survey_version_id,
            "channel": response.channel.value,
            "locale": response.locale,
            "status": response.status.value,
            "answers": response.answers,
            "score": response.score,
            "contact_requested": response.contact_requested,
            "started_at": _iso(response.started_at),
            "submitted_at": _iso(response.submitted_at),
        }
        for response in session.scalars(query)
    ]


def _kudos(session: Session, found: Footprint) -> list[dict[str, Any]]:
    query = select(Kudos).where(Kudos.response_id.in_(found.response_ids)).order_by(Kudos.id)
    return [
        {
            "response_id": kudos.response_id,
            "score": kudos.score,
            "comment": kudos.comment,
            "created_at": _iso(kudos.created_at),
        }
        for kudos in session.scalars(query)
    ]


def _cases(session: Session, found: Footprint) -> list[dict[str, Any]]:
    ids = found.case_ids
    events = _grouped(
        session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id.in_(ids))
            .order_by(CaseEvent.occurred_at, CaseEvent.id)
        ),
        "case_id",
    )
    mails = _grouped(
        session.scalars(
            select(CaseMail)
            .where(CaseMail.case_id.in_(ids), CaseMail.kind == CaseMailKind.CLOSE_LOOP)
            .order_by(CaseMail.id)
        ),
        "case_id",
    )
    goodwill = _grouped(
        session.scalars(select(Goodwill).where(Goodwill.case_id.in_(ids)).order_by(Goodwill.id)),
        "case_id",
    )
    resurveys = _grouped(
        session.scalars(select(CaseResurvey).where(CaseResurvey.case_id.in_(ids))), "case_id"
    )
    query = select(Case).where(Case.id.in_(ids)).order_by(Case.opened_at, Case.id)
    return [
        {
            **_case(case),
            "timeline": [_case_event(e) for e in events.get(case.id, [])],
            "messages": [_case_mail(m) for m in mails.get(case.id, [])],
            "goodwill": [_goodwill(g) for g in goodwill.get(case.id, [])],
            "resurveys": [_resurvey(r) for r in resurveys.get(case.id, [])],
        }
        for case in session.scalars(query)
    ]


def _case(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "response_id": case.response_id,
        "status": case.status.value,
        "priority": case.priority.value,
        "score": case.score,
        "opened_at": _iso(case.opened_at),
        "resolved_at": _iso(case.resolved_at),
        "closed_at": _iso(case.closed_at),
        "resolution": case.resolution,
        "customer_verdict": case.customer_verdict.value if case.customer_verdict else None,
    }


def _case_event(event: CaseEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "occurred_at": _iso(event.occurred_at),
        "body": event.body,
        "details": event.details,
    }


def _case_mail(mail: CaseMail) -> dict[str, Any]:
    return {
        "recipient": mail.recipient,
        "recipient_name": mail.recipient_name,
        "state": mail.state.value,
        "body": mail.body,
        "sent_at": _iso(mail.sent_at),
        "verdict": mail.verdict.value if mail.verdict else None,
        "answered_at": _iso(mail.answered_at),
    }


def _goodwill(entry: Goodwill) -> dict[str, Any]:
    return {
        "kind": entry.kind.value,
        "amount": str(entry.amount),
        "currency": entry.currency,
        "note": entry.note,
        "status": entry.status.value,
        "recorded_at": _iso(entry.recorded_at),
    }


def _resurvey(resurvey: CaseResurvey) -> dict[str, Any]:
    return {
        "due_at": _iso(resurvey.due_at),
        "sent_at": _iso(resurvey.sent_at),
        "score": resurvey.score,
        "recovered": resurvey.recovered,
    }


def _mail(session: Session, contact: Contact) -> list[dict[str, Any]]:
    return [
        {
            "recipient": kept.recipient,
            "subject": kept.subject,
            "stored_at": _iso(kept.stored_at),
            "message": kept.text,
        }
        for kept in messages_to(session, contact.email)
    ]


def _audit(session: Session, contact: Contact) -> list[dict[str, Any]]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.target_type == "Contact", AuditEvent.target_id == str(contact.id))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    )
    return [
        {"action": e.action, "occurred_at": _iso(e.occurred_at), "details": e.details}
        for e in session.scalars(query)
    ]


def _grouped(rows: Iterable[Any], key: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
