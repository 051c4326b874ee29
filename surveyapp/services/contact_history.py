"""Contacts: read-only queries for the staff pages (consent at a glance, ledger, invitations)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from surveyapp.domain.consent import (
    ConsentChannel,
    ConsentDecision,
    ConsentPolicy,
    LedgerEntry,
    decide,
    latest_action,
)
from surveyapp.models import (
    ConsentEvent,
    ConsentText,
    Contact,
    Invitation,
    Response,
    SuppressedAddress,
    SurveyVersion,
)
from surveyapp.services import consent, contacts
from surveyapp.services.dispatch.bounces import find_suppression

MAX_INVITATIONS_SHOWN = 100


@dataclass(frozen=True)
class LedgerRow:
    """One consent event with the consent text version it refers to (if any)."""

    event: ConsentEvent
    text_locale: str | None
    text_version: int | None

    @property
    def has_evidence(self) -> bool:
        """Whether the event carries evidence (a hashed IP address or a user agent)."""
        return bool(self.event.ip_hash or self.event.user_agent)


@dataclass(frozen=True)
class InvitationHistory:
    """An invitation sent to the contact and the response it collected, if any."""

    invitation: Invitation
    response: Response | None


@dataclass(frozen=True)
class ContactOverview:
    """Everything the contact's staff page shows."""

    contact: Contact
    decisions: dict[ConsentChannel, ConsentDecision]
    ledger: Sequence[LedgerRow]
    invitations: Sequence[InvitationHistory]
    # Why mail to the contact's address is never sent (bounce, complaint...), if it is not.
    suppression: SuppressedAddress | None


def get_contact_overview(session: Session, contact_id: int) -> ContactOverview:
    """The contact (or ``NotFound``) and everything its staff page shows.

    That is its consent decisions per channel, ledger, invitations and the suppression of
    its email address (if any).
    """
    contact = contacts.get_contact(session, contact_id)
    return ContactOverview(
        contact=contact,
        decisions={
            channel: consent.decision_for(session, contact.id, channel)
            for channel in ConsentChannel
        },
        ledger=list_ledger_rows(session, contact.id),
        invitations=list_invitations(session, contact.id),
        suppression=find_suppression(session, contact.email) if contact.email else None,
    )


def list_ledger_rows(session: Session, contact_id: int) -> Sequence[LedgerRow]:
    """The contact's consent events, oldest first, each with its consent text's version."""
    query = (
        select(ConsentEvent, ConsentText.locale, ConsentText.version)
        .outerjoin(ConsentText, ConsentText.id == ConsentEvent.text_version_id)
        .where(ConsentEvent.contact_id == contact_id)
        .order_by(ConsentEvent.occurred_at, ConsentEvent.id)
    )
    return [LedgerRow(event, locale, version) for event, locale, version in session.execute(query)]


def list_invitations(
    session: Session, contact_id: int, *, limit: int = MAX_INVITATIONS_SHOWN
) -> Sequence[InvitationHistory]:
    """The contact's invitations, newest first, with their responses and survey versions."""
    query = (
        select(Invitation, Response)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.contact_id == contact_id)
        .options(joinedload(Invitation.survey_version).joinedload(SurveyVersion.survey))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .limit(limit)
    )
    return [
        InvitationHistory(invitation, response) for invitation, response in session.execute(query)
    ]


def ledger_entries_by_contact(
    session: Session, contact_ids: Collection[int]
) -> dict[int, list[LedgerEntry]]:
    """The deciding facts of the ledgers of ``contact_ids``, in one query.

    Contacts without events are missing from the result.
    """
    entries: dict[int, list[LedgerEntry]] = defaultdict(list)
    if not contact_ids:
        return entries
    query = select(
        ConsentEvent.contact_id,
        ConsentEvent.channel,
        ConsentEvent.action,
        ConsentEvent.occurred_at,
        ConsentEvent.id,
    ).where(ConsentEvent.contact_id.in_(contact_ids))
    for contact_id, channel, action, occurred_at, sequence in session.execute(query):
        entries[contact_id].append(LedgerEntry(channel, action, occurred_at, sequence))
    return entries


def consent_at_a_glance(
    session: Session, contact_ids: Collection[int]
) -> dict[int, dict[ConsentChannel, ConsentDecision]]:
    """The decision per channel for each of ``contact_ids`` (for lists), in three queries."""
    policies = current_policies(session)
    entries = ledger_entries_by_contact(session, contact_ids)
    return {
        contact_id: {
            channel: decide(policies[channel], latest_action(entries.get(contact_id, ()), channel))
            for channel in ConsentChannel
        }
        for contact_id in contact_ids
    }


def current_policies(session: Session) -> dict[ConsentChannel, ConsentPolicy]:
    """The workspace's consent policy for every channel."""
    return {channel: consent.policy_for(session, channel) for channel in ConsentChannel}


def count_consent_texts(session: Session) -> dict[str, int]:
    """How many versions of the consent text each locale has."""
    query = select(ConsentText.locale, func.count().label("versions")).group_by(ConsentText.locale)
    return {row.locale: row.versions for row in session.execute(query)}
