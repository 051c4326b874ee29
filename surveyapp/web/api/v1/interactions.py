"""API: posting interactions, one at a time or in batches, idempotent on the company's id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask.typing import ResponseReturnValue
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from surveyapp.services import ingest, touchpoints
from surveyapp.services.contacts import ContactData
from surveyapp.services.errors import ValidationFailed
from surveyapp.services.touchpoints import InteractionData, RecordedInteraction
from surveyapp.web.api.v1.auth import record_write, requires_scope
from surveyapp.web.api.v1.errors import ApiProblem, field_errors_of, service_field_errors
from surveyapp.web.api.v1.openapi import operation
from surveyapp.web.api.v1.parsing import json_response, parse_body, validation_context
from surveyapp.web.api.v1.schemas import (
    BatchEnvelope,
    BatchItemOut,
    FieldError,
    InteractionBatchIn,
    InteractionBatchOut,
    InteractionIn,
    InteractionOut,
    InvitationOut,
)
from surveyapp.web.uow import clock, unit_of_work

T = TypeVar("T")

IDEMPOTENCY = (
    "Idempotent on `id`: posting an interaction that is already stored changes nothing and "
    "answers with the stored interaction and its invitation (`existing`)."
)


@operation(
    "POST",
    "/interactions",
    summary="Post an interaction",
    description=(
        "Stores the interaction (creating or updating its contact) and plans its survey "
        "invitation by the touchpoint's trigger rules; the answer shows whether the "
        f"invitation was queued or suppressed, and why. {IDEMPOTENCY}"
    ),
    tag="interactions",
    request=InteractionIn,
    responses={
        200: ("The interaction was already stored; nothing changed.", InteractionOut),
        201: ("The interaction was stored.", InteractionOut),
    },
)
@requires_scope("interactions:write")
def post_interaction() -> ResponseReturnValue:
    """Record one interaction."""
    body = parse_body(InteractionIn)
    with unit_of_work() as db:
        try:
            data = _interaction_data(body)
            recorded = _once_more_on_conflict(
                db, lambda: touchpoints.record_interaction(db, data, clock=clock())
            )
        except ValidationFailed as error:
            raise ApiProblem(
                422, error.message, errors=service_field_errors(error, _field_name)
            ) from None
        if recorded.created:
            details = {"id": body.id, "touchpoint": body.touchpoint}
            record_write(db, "interaction.recorded", target=recorded.interaction, details=details)
    return json_response(_interaction_out(recorded), 201 if recorded.created else 200)


@operation(
    "POST",
    "/interactions/batch",
    summary="Post up to 1,000 interactions",
    description=(
        "Checks each item on its own: the valid items are stored together, invalid ones "
        "(including an id repeated within the batch) are reported in their result with "
        "`errors`, as a 422 would list them, and store nothing. The answer is 200 whenever "
        "the batch itself is well-formed; more than 1,000 items is a 422 on `items`. "
        "`invitations` shows what this call planned for a created item; existing and "
        f"invalid items have none. {IDEMPOTENCY}"
    ),
    tag="interactions",
    request=InteractionBatchIn,
    responses={200: ("One result per item, in the order sent.", InteractionBatchOut)},
)
@requires_scope("interactions:write")
def post_interaction_batch() -> ResponseReturnValue:
    """Record a batch of interactions, reporting each item."""
    envelope = parse_body(BatchEnvelope)
    valid, refused = _parse_items(envelope.items)
    data = [_interaction_data(body) for _, body in valid]
    with unit_of_work() as db:
        recorded = _once_more_on_conflict(
            db, lambda: ingest.record_interactions(db, data, clock=clock()) if data else []
        )
        created = [r.interaction.id for r in recorded if r.status == "created" and r.interaction]
        if created:
            details = {"created": len(created), "interaction_ids": created}
            record_write(db, "interaction.batch_recorded", details=details)
    outcomes = {index: _item_out(index, r) for (index, _), r in zip(valid, recorded, strict=True)}
    return json_response(_batch_out([*outcomes.items(), *refused.items()]))


def _parse_items(
    raw_items: list[Any],
) -> tuple[list[tuple[int, InteractionIn]], dict[int, BatchItemOut]]:
    """The valid items as request models, and the refused ones with pydantic's messages."""
    context = validation_context()
    valid: list[tuple[int, InteractionIn]] = []
    refused: dict[int, BatchItemOut] = {}
    for index, raw in enumerate(raw_items):
        try:
            valid.append((index, InteractionIn.model_validate(raw, context=context)))
        except ValidationError as error:
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            item_id = raw_id if isinstance(raw_id, str) else None
            refused[index] = _invalid(index, item_id, field_errors_of(error))
    return valid, refused


def _batch_out(results: list[tuple[int, BatchItemOut]]) -> InteractionBatchOut:
    items = [item for _, item in sorted(results, key=lambda pair: pair[0])]
    return InteractionBatchOut(
        created=sum(item.status == "created" for item in items),
        existing=sum(item.status == "existing" for item in items),
        invalid=sum(item.status == "invalid" for item in items),
        results=items,
    )


def _item_out(index: int, result: ingest.ItemResult) -> BatchItemOut:
    if result.status == "invalid":
        errors = [FieldError(field=name, message=text) for name, text in result.errors.items()]
        return _invalid(index, result.idempotency_key, errors)
    return BatchItemOut(
        index=index,
        id=result.idempotency_key,
        status="created" if result.status == "created" else "existing",
        errors=[],
        invitations=[InvitationOut.model_validate(i) for i in result.invitations],
    )


def _invalid(index: int, item_id: str | None, errors: list[FieldError]) -> BatchItemOut:
    return BatchItemOut(index=index, id=item_id, status="invalid", errors=errors, invitations=[])


def _once_more_on_conflict(db: Session, record: Callable[[], T]) -> T:
    """Run ``record`` in a savepoint; after a unique-key conflict, once more.

    A concurrent request may store the same interaction (or contact) first; on the second
    run it is visible, so this call answers "existing" instead of failing.
    """
    try:
        with db.begin_nested():
            return record()
    except IntegrityError:
        with db.begin_nested():
            return record()


def _interaction_data(body: InteractionIn) -> InteractionData:
    return InteractionData(
        idempotency_key=body.id,
        touchpoint_key=body.touchpoint,
        contact=ContactData(**body.contact.model_dump()),
        occurred_at=body.occurred_at,
        attributes=body.attributes,
        contact_channel=body.contact_channel,
        agent_external_id=body.agent_external_id,
        agent_name=body.agent_name,
        first_response_seconds=body.first_response_seconds,
        resolution_seconds=body.resolution_seconds,
        solved_first_contact=body.solved_first_contact,
    )


def _interaction_out(recorded: RecordedInteraction) -> InteractionOut:
    interaction = recorded.interaction
    return InteractionOut(
        id=interaction.idempotency_key,
        status="created" if recorded.created else "existing",
        touchpoint=interaction.touchpoint.key,
        contact_external_id=interaction.contact.external_id,
        occurred_at=interaction.occurred_at,
        received_at=interaction.received_at,
        invitations=[InvitationOut.model_validate(i) for i in recorded.invitations],
    )


def _field_name(service_field: str) -> str:
    """The service names the interaction's own fields plainly and the contact's bare."""
    return service_field if service_field in {"id", "touchpoint"} else f"contact.{service_field}"
