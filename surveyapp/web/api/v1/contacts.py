"""API: upserting contacts by their external id and recording their consent."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from surveyapp.domain.consent import ConsentSource
from surveyapp.services import consent, contacts
from surveyapp.services.contacts import ContactData
from surveyapp.web.api.v1.auth import record_write, requires_scope
from surveyapp.web.api.v1.errors import ApiProblem
from surveyapp.web.api.v1.openapi import PathParameter, operation
from surveyapp.web.api.v1.parsing import json_response, parse_body
from surveyapp.web.api.v1.schemas import (
    ConsentDecisionOut,
    ConsentEventOut,
    ConsentIn,
    ContactIn,
    ContactOut,
)
from surveyapp.web.uow import clock, unit_of_work

EXTERNAL_ID = {"external_id": PathParameter("Your system's id of the contact.", "C-1001")}


@operation(
    "PUT",
    "/contacts/<external_id>",
    summary="Create or update a contact",
    description=(
        "Creates the contact with this external id, or updates it. Fields left out or null "
        "keep their stored value; attributes are merged. An erased contact cannot be filled "
        "in again (422)."
    ),
    tag="contacts",
    request=ContactIn,
    responses={
        200: ("The contact existed and was updated.", ContactOut),
        201: ("The contact was created.", ContactOut),
    },
    path_parameters=EXTERNAL_ID,
)
@requires_scope("contacts:write")
def upsert_contact(external_id: str) -> ResponseReturnValue:
    """Create or update the contact ``external_id``."""
    body = parse_body(ContactIn)
    data = ContactData(external_id=external_id, **body.model_dump())
    with unit_of_work() as db:
        contact, created = contacts.upsert_contact(db, data, clock=clock())
        action = "contact.created" if created else "contact.updated"
        record_write(db, action, target=contact, details={"fields": sorted(body.model_fields_set)})
    return json_response(ContactOut.model_validate(contact), 201 if created else 200)


@operation(
    "POST",
    "/contacts/<external_id>/consent",
    summary="Record a consent grant or withdrawal",
    description=(
        "Appends an event to the contact's consent ledger (source: api) and answers with "
        "the resulting decision for the channel. The contact must exist (create it with PUT "
        "first). A withdrawal takes effect at once; the newest event by occurred_at decides."
    ),
    tag="contacts",
    request=ConsentIn,
    responses={201: ("The event was recorded.", ConsentEventOut)},
    problems=(404,),
    path_parameters=EXTERNAL_ID,
)
@requires_scope("consent:write")
def record_consent(external_id: str) -> ResponseReturnValue:
    """Append a consent event for the contact ``external_id``."""
    body = parse_body(ConsentIn)
    with unit_of_work() as db:
        contact = contacts.find_by_external_id(db, external_id)
        if contact is None:
            raise ApiProblem(404, "There is no contact with this external id; PUT it first.")
        event = consent.record_event(
            db,
            contact,
            channel=body.channel,
            action=body.action,
            source=ConsentSource.API,
            clock=clock(),
            occurred_at=body.occurred_at,
            ip=str(body.ip) if body.ip else None,
            user_agent=body.user_agent,
        )
        decision = consent.decision_for(db, contact.id, body.channel)
        record_write(db, "consent.recorded", target=event, details={"action": body.action})
    out = ConsentEventOut(
        contact_external_id=contact.external_id,
        channel=event.channel,
        action=event.action,
        source=event.source,
        occurred_at=event.occurred_at,
        recorded_at=event.recorded_at,
        decision=ConsentDecisionOut(
            channel=body.channel,
            allowed=decision.allowed,
            policy=decision.policy,
            reason=decision.reason,
        ),
    )
    return json_response(out, 201)
