"""API: delivery reports (hard bounces, spam complaints) from the mail provider."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from surveyapp.services.dispatch import bounces
from surveyapp.web.api.v1.auth import record_write, requires_scope
from surveyapp.web.api.v1.openapi import operation
from surveyapp.web.api.v1.parsing import json_response, parse_body
from surveyapp.web.api.v1.schemas import DeliveryReportIn, DeliveryReportOut
from surveyapp.web.uow import clock, unit_of_work


@operation(
    "POST",
    "/delivery-reports",
    summary="Report a hard bounce or a spam complaint",
    description=(
        "Suppresses the address for good: invitations still waiting for it are not sent, "
        "and no survey is planned for it again. The report is noted on the invitation the "
        "contact received last. Only the address's hash is kept. Repeating a report is safe: "
        "it changes nothing and answers already_recorded. A complaint outweighs a bounce; "
        "an erased address stays erased."
    ),
    tag="deliveries",
    request=DeliveryReportIn,
    responses={200: ("The report was recorded (or was a repeat).", DeliveryReportOut)},
)
@requires_scope("deliveries:write")
def report_delivery() -> ResponseReturnValue:
    """Suppress the address of a hard bounce or complaint."""
    body = parse_body(DeliveryReportIn)
    with unit_of_work() as db:
        outcome = bounces.record_delivery_report(
            db,
            email=body.email,
            kind=body.type,
            detail=body.detail,
            occurred_at=body.occurred_at,
            clock=clock(),
        )
        if not outcome.is_repeat:
            record_write(
                db,
                "delivery.reported",
                details={
                    "type": body.type.value,
                    "invitations_suppressed": outcome.invitations_suppressed,
                },
            )
    out = DeliveryReportOut(
        status="already_recorded" if outcome.is_repeat else "recorded",
        reason=outcome.reason,
        suppressed_since=outcome.suppressed_since,
        invitations_suppressed=outcome.invitations_suppressed,
    )
    return json_response(out)
