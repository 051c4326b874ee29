"""Where one contact's data lives (service layer): the ids of every row about them.

Export and erasure read the same footprint, so what an access request shows is exactly what
an erasure removes. The rows, by table (``docs/trust.md`` has the full inventory):

- ``contacts``: the contact; ``consent_events``: its ledger;
- ``interactions``: the events reported for it; ``invitations`` (of the contact or of its
  interactions) with their ``invitation_events``, ``link_fetches`` and ``web_displays``;
- ``responses`` to those invitations, and ``kudos`` quoting them;
- ``cases`` of the contact or of those responses, with their ``case_events``,
  ``case_mails``, ``goodwill`` and ``case_resurveys``;
- ``outbox_messages`` to the contact's address, ``audit_events`` about the contact, and the
  ``suppressed_addresses`` entry of its address (a hash).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from surveyapp.domain.i18n import N_
from surveyapp.domain.scoring import QuestionType
from surveyapp.domain.survey_definition import from_document
from surveyapp.models import Case, Contact, Interaction, Invitation, Response
from surveyapp.services.errors import NotFound

# Every table that holds data about a contact, and what erasure does to it. A table linked to
# a contact by foreign keys that is missing here fails tests/security/test_erasure.py.
INVENTORY: dict[str, str] = {
    "contacts": "email, name, locale, time zone and attributes cleared; external id kept",
    "consent_events": "kept as proof; IP hash and user agent cleared",
    "interactions": "attributes cleared; the company's event id replaced by its hash",
    "invitations": "pending ones suppressed (contact_erased); link token replaced; errors cleared",
    "invitation_events": "texts naming the address, name or a comment redacted",
    "link_fetches": "kept (time and score only)",
    "web_displays": "kept (site origin and times only)",
    "responses": "free-text answers removed; scores kept for statistics",
    "kudos": "quoted comment cleared",
    "cases": "resolution text cleared; status, times and scores kept",
    "case_events": "bodies (notes, messages) cleared; details redacted",
    "case_mails": "queued mail to the customer failed; address, name, body cleared",
    "goodwill": "note cleared; amount kept",
    "case_resurveys": "kept (score and times only)",
    "case_root_causes": "kept (taxonomy links only)",
    "playbook_ticks": "kept (checklist ticks only)",
    "outbox_messages": "mail to the address, and staff mail quoting the contact, deleted",
    "audit_events": "details and labels quoting the contact redacted",
    "suppressed_addresses": "the address's hash kept as an erasure; provider text cleared",
    "report_daily_scores": "kept (aggregates without contacts)",
    "report_daily_deliveries": "kept (aggregates without contacts)",
}

# Texts shorter than this are not searched for in rows outside the footprint: a short first
# name ("Anna") is part of too many other texts and addresses to be redacted or deleted
# wherever it appears. Full names, addresses and comments are longer.
MIN_NEEDLE = 6
REDACTED = "[erased]"


@dataclass(frozen=True)
class Footprint:
    """The ids of the rows about one contact, and the texts that identify them elsewhere."""

    contact: Contact
    interaction_ids: tuple[int, ...]
    invitation_ids: tuple[int, ...]
    response_ids: tuple[int, ...]
    case_ids: tuple[int, ...]


def get_contact(session: Session, contact_id: int, *, lock: bool = False) -> Contact:
    """The contact or ``NotFound``; ``lock``: locked for update where the database can."""
    contact = session.get(Contact, contact_id, with_for_update=lock)
    if contact is None:
        raise NotFound(N_("This contact does not exist."))
    return contact


def footprint_of(session: Session, contact: Contact) -> Footprint:
    """Every row id about ``contact`` (four small queries, each by an indexed column)."""
    interaction_ids = _ids(
        session.scalars(select(Interaction.id).where(Interaction.contact_id == contact.id))
    )
    invitation_ids = _ids(
        session.scalars(
            select(Invitation.id).where(
                or_(
                    Invitation.contact_id == contact.id,
                    Invitation.interaction_id.in_(interaction_ids),
                )
            )
        )
    )
    response_ids = _ids(
        session.scalars(select(Response.id).where(Response.invitation_id.in_(invitation_ids)))
    )
    case_ids = _ids(
        session.scalars(
            select(Case.id).where(
                or_(Case.contact_id == contact.id, Case.response_id.in_(response_ids))
            )
        )
    )
    return Footprint(contact, interaction_ids, invitation_ids, response_ids, case_ids)


def text_answer_keys(response: Response) -> set[str]:
    """The keys of ``response``'s free-text questions (the comments)."""
    definition = from_document(response.survey_version.definition)
    return {q.key for q in definition.questions if q.type == QuestionType.TEXT}


def comments_of(response: Response) -> list[str]:
    """The free texts ``response`` holds."""
    keys = text_answer_keys(response)
    return [str(v) for k, v in response.answers.items() if k in keys and str(v or "").strip()]


def needles(texts: Iterable[str | None]) -> tuple[str, ...]:
    """The texts worth searching other rows for, longest first, in lower case."""
    found = {t.strip().lower() for t in texts if t and len(t.strip()) >= MIN_NEEDLE}
    return tuple(sorted(found, key=len, reverse=True))


def json_needles(found: Sequence[str]) -> tuple[str, ...]:
    """``found`` plus the forms JSON columns store them in (non-ASCII escaped by ``json``)."""
    escaped = {json.dumps(n)[1:-1] for n in found}
    return tuple(sorted({*found, *escaped}, key=len, reverse=True))


def mentions(text: str | None, found: Sequence[str]) -> bool:
    """Whether ``text`` contains any of ``found`` (any case)."""
    lowered = (text or "").lower()
    return any(n in lowered for n in found)


def redact(value: Any, found: Sequence[str]) -> Any:
    """``value`` (text, or JSON of dicts and lists) with every occurrence of ``found`` replaced."""
    if isinstance(value, str):
        return _redact_text(value, found)
    if isinstance(value, dict):
        return {k: redact(v, found) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, found) for v in value]
    return value


def _redact_text(text: str, found: Sequence[str]) -> str:
    for needle in found:
        start = text.lower().find(needle)
        while start >= 0:
            text = text[:start] + REDACTED + text[start + len(needle) :]
            start = text.lower().find(needle, start + len(REDACTED))
    return text


def _ids(rows: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(rows)))
