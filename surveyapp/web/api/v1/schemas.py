"""Request and response bodies of /api/v1; the OpenAPI document is generated from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyAddress,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentPolicy, ConsentSource
from surveyapp.domain.scoring import NpsCategory
from surveyapp.domain.states import InvitationState
from surveyapp.models import Channel, ResponseStatus
from surveyapp.services.dispatch.bounces import DeliveryReportKind

MAX_BATCH = 1000
# Clocks of integrators' systems drift a little; more than this ahead is a mistake.
FUTURE_TOLERANCE = timedelta(minutes=5)
PG_INT_MAX = 2**31 - 1


def _iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _as_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first representable UTC time
        raise ValueError("is out of range") from None


# Times in: ISO 8601 with an offset (``Z`` or ``+02:00``), kept as UTC. Times out: UTC, ``Z``.
InstantIn = Annotated[AwareDatetime, AfterValidator(_as_utc)]
Instant = Annotated[
    datetime,
    PlainSerializer(_iso_utc, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-03-02T09:00:00Z"]}),
]


NUL = "\x00"


def contains_nul(value: Any) -> bool:
    """Whether text anywhere in ``value`` (nested keys and items too) holds a NUL character.

    PostgreSQL cannot store NUL in text or JSON, so such input is refused as invalid.
    """
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(item) for item in value)
    return False


class _Request(BaseModel):
    # Unknown fields are refused, so a misspelt field is reported instead of ignored.
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if contains_nul(value):
            raise ValueError("must not contain the NUL character (\\u0000)")
        return value


def _not_in_future(value: datetime | None, info: ValidationInfo) -> datetime | None:
    now = (info.context or {}).get("now")
    if value is not None and now is not None and value > now + FUTURE_TOLERANCE:
        raise ValueError("must not be in the future")
    return value


# --- problems -------------------------------------------------------------------------------


class FieldError(BaseModel):
    """Why one field was refused; ``field`` is a dotted path such as ``contact.email``."""

    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document (``application/problem+json``)."""

    type: str = Field(description="A link to this problem's explanation on the docs page.")
    title: str
    status: int
    detail: str
    errors: list[FieldError] = Field(
        default_factory=list, description="Field-level messages (validation problems)."
    )
    reference: str | None = Field(None, description="Log reference of an internal error.")


# --- contacts and consent -------------------------------------------------------------------


class ContactIn(_Request):
    """A contact's fields. Fields left out or null keep their stored value; attributes merge."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ada@example.com",
                    "name": "Ada Lovelace",
                    "locale": "en",
                    "timezone": "Europe/London",
                    "attributes": {"plan": "pro", "region": "GB"},
                }
            ]
        }
    )

    email: str | None = Field(None, max_length=254)
    name: str | None = Field(None, max_length=200)
    locale: str | None = Field(None, max_length=8, description="A language code: en, de, ...")
    timezone: str | None = Field(None, max_length=64, description="An IANA zone: Europe/Berlin")
    attributes: dict[str, Any] | None = Field(
        None, description="At most 50 attributes (plan, region, value, ...), merged on update."
    )


class ContactRef(ContactIn):
    """The contact an interaction belongs to; created or updated on the way."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"external_id": "C-1001", "email": "ada@example.com"}]}
    )

    external_id: str = Field(min_length=1, max_length=120, description="Your id of the contact.")


class ContactOut(BaseModel):
    """A stored contact."""

    model_config = ConfigDict(from_attributes=True)

    external_id: str
    email: str | None
    name: str | None
    locale: str | None
    timezone: str | None
    attributes: dict[str, Any]
    created_at: Instant
    updated_at: Instant
    erased_at: Instant | None = Field(description="Set when the contact's data was erased.")


class ConsentIn(_Request):
    """A grant or withdrawal to append to the contact's consent ledger."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "channel": "email",
                    "action": "granted",
                    "occurred_at": "2026-03-02T08:55:00Z",
                    "ip": "203.0.113.7",
                    "user_agent": "Mozilla/5.0",
                }
            ]
        }
    )

    channel: ConsentChannel
    action: ConsentAction
    occurred_at: InstantIn | None = Field(
        None, description="When the customer decided (default: now); not in the future."
    )
    ip: IPvAnyAddress | None = Field(
        None, description="The customer's IP address as evidence; only its hash is stored."
    )
    user_agent: str | None = Field(None, max_length=400, description="Evidence: the browser.")

    _occurred_at_not_in_future = field_validator("occurred_at")(_not_in_future)


class ConsentDecisionOut(BaseModel):
    """Whether the contact may now be surveyed on the channel, and why."""

    channel: ConsentChannel
    allowed: bool
    policy: ConsentPolicy
    reason: str = Field(description="policy:latest action, e.g. opt_in:granted")


class ConsentEventOut(BaseModel):
    """The recorded ledger entry and the resulting consent decision."""

    contact_external_id: str
    channel: ConsentChannel
    action: ConsentAction
    source: ConsentSource
    occurred_at: Instant
    recorded_at: Instant
    decision: ConsentDecisionOut


# --- interactions ---------------------------------------------------------------------------


class InteractionIn(_Request):
    """An event at a touchpoint. Idempotent: posting the same ``id`` again creates nothing."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "ticket-48151-closed",
                    "touchpoint": "support.ticket_closed",
                    "occurred_at": "2026-03-02T08:30:00Z",
                    "contact": {"external_id": "C-1001", "email": "ada@example.com"},
                    "attributes": {"queue": "billing"},
                    "agent_name": "Grace",
                    "solved_first_contact": True,
                }
            ]
        }
    )

    id: str = Field(
        min_length=1, max_length=200, description="Your system's unique id of this event."
    )
    touchpoint: str = Field(min_length=1, max_length=120, description="A touchpoint key.")
    occurred_at: InstantIn = Field(description="When it happened; not in the future.")
    contact: ContactRef
    attributes: dict[str, Any] = Field(default_factory=dict)
    contact_channel: str | None = Field(None, max_length=32, description="phone, chat, ...")
    agent_external_id: str | None = Field(None, max_length=120)
    agent_name: str | None = Field(None, max_length=200)
    first_response_seconds: int | None = Field(None, ge=0, le=PG_INT_MAX)
    resolution_seconds: int | None = Field(None, ge=0, le=PG_INT_MAX)
    solved_first_contact: bool | None = None

    _occurred_at_not_in_future = field_validator("occurred_at")(_not_in_future)


class InteractionBatchIn(_Request):
    """Up to 1,000 interactions; each is stored or refused on its own."""

    items: list[InteractionIn] = Field(min_length=1, max_length=MAX_BATCH)


class BatchEnvelope(BaseModel):
    """How a batch is parsed: the items are checked one by one, so one bad item fails alone."""

    model_config = ConfigDict(extra="forbid")

    items: list[Any] = Field(min_length=1, max_length=MAX_BATCH)


class InvitationOut(BaseModel):
    """The invitation planning decided for an interaction: queued, or suppressed and why."""

    model_config = ConfigDict(from_attributes=True)

    state: InvitationState
    channel: Channel
    send_at: Instant | None
    expires_at: Instant
    suppression_reasons: list[str]


class InteractionOut(BaseModel):
    """A stored interaction and its invitation."""

    id: str
    status: Literal["created", "existing"]
    touchpoint: str
    contact_external_id: str
    occurred_at: Instant
    received_at: Instant
    invitations: list[InvitationOut]


class BatchItemOut(BaseModel):
    """What happened to the batch item at ``index``."""

    index: int
    id: str | None
    status: Literal["created", "existing", "invalid"]
    errors: list[FieldError]
    invitations: list[InvitationOut]


class InteractionBatchOut(BaseModel):
    """Counts and one result per item, in the order sent."""

    created: int
    existing: int
    invalid: int
    results: list[BatchItemOut]


# --- touchpoints and responses --------------------------------------------------------------


class TouchpointOut(BaseModel):
    """A touchpoint that interactions can be posted to."""

    key: str
    name: str
    description: str
    stage: str | None = Field(description="The journey stage's key, if any.")


class TouchpointListOut(BaseModel):
    """Every touchpoint, by key."""

    items: list[TouchpointOut]


class ResponseQuery(_Request):
    """Filters and paging of the response list."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"since": "2026-03-01T00:00:00Z", "limit": 100}]}
    )

    since: InstantIn | None = Field(
        None, description="Only responses started or changed at or after this time."
    )
    cursor: str | None = Field(None, max_length=200, description="next_cursor of a page.")
    limit: int = Field(50, ge=1, le=100, description="Responses per page.")


class ResponseOut(BaseModel):
    """One response with its derived scores; ``answers`` maps question keys to answers."""

    id: int
    survey_id: int
    survey_version: int
    channel: Channel
    status: ResponseStatus
    locale: str
    score: int | None
    nps_category: NpsCategory | None
    csat_satisfied: bool | None
    ces_easy: bool | None
    is_unhappy: bool
    has_comment: bool
    contact_requested: bool
    answers: dict[str, Any]
    started_at: Instant
    updated_at: Instant
    submitted_at: Instant | None


class ResponsePageOut(BaseModel):
    """A page of responses, newest first; pass ``next_cursor`` as ``cursor`` for the next."""

    items: list[ResponseOut]
    next_cursor: str | None


# --- delivery reports -----------------------------------------------------------------------


class DeliveryReportIn(_Request):
    """A hard bounce or spam complaint your mail provider reported for an address."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ada@example.com",
                    "type": "hard_bounce",
                    "detail": "550 5.1.1 The email account that you tried to reach does not exist",
                    "occurred_at": "2026-03-02T08:55:00Z",
                }
            ]
        }
    )

    email: str = Field(
        min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$", description="The address."
    )
    type: DeliveryReportKind = Field(
        description="hard_bounce: the mailbox does not exist; complaint: marked as spam."
    )
    detail: str = Field(
        "", max_length=500, description="What the provider said, shown to staff as is."
    )
    occurred_at: InstantIn | None = Field(
        None, description="When the provider saw it (default: now); not in the future."
    )

    _occurred_at_not_in_future = field_validator("occurred_at")(_not_in_future)


class DeliveryReportOut(BaseModel):
    """The address's suppression after the report, and what the report changed."""

    status: Literal["recorded", "already_recorded"] = Field(
        description="already_recorded: a repeat that changed nothing."
    )
    reason: str = Field(
        description="Why the address is suppressed now: hard_bounce, complaint, erased, ..."
    )
    suppressed_since: Instant
    invitations_suppressed: int = Field(
        description="Invitations that were waiting to be sent to the address and never will be."
    )
