"""Touchpoints of the customer journey, the interactions reported at them, and trigger rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.domain.consent import ConsentChannel
from surveyapp.models.base import Base, enum_type
from surveyapp.models.contacts import Contact


class JourneyStage(Base):
    """A stage of the customer journey (awareness ... cancellation); CX owners edit the list."""

    __tablename__ = "journey_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int]


class Touchpoint(Base):
    """A moment that matters (``support.ticket_closed``), owned by a team."""

    __tablename__ = "touchpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    stage_id: Mapped[int | None] = mapped_column(
        ForeignKey("journey_stages.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]

    stage: Mapped[JourneyStage | None] = relationship()


class Interaction(Base):
    """An event at a touchpoint for a contact, as the company's system reported it."""

    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_touchpoint_occurred", "touchpoint_id", "occurred_at"),
        Index("ix_interactions_contact_id", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The company's own id of the event: posting it twice creates nothing new.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    touchpoint_id: Mapped[int] = mapped_column(ForeignKey("touchpoints.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Operational facts a support system knows; reports join them with the scores.
    contact_channel: Mapped[str | None] = mapped_column(String(32))
    agent_external_id: Mapped[str | None] = mapped_column(String(120))
    agent_name: Mapped[str | None] = mapped_column(String(200))
    first_response_seconds: Mapped[int | None]
    resolution_seconds: Mapped[int | None]
    solved_first_contact: Mapped[bool | None]

    touchpoint: Mapped[Touchpoint] = relationship()
    contact: Mapped[Contact] = relationship()


class TriggerRule(Base):
    """Which survey an interaction at a touchpoint triggers, on which channel, when, how often."""

    __tablename__ = "trigger_rules"
    __table_args__ = (
        CheckConstraint("sampling_rate >= 0 AND sampling_rate <= 1", name="sampling_rate_range"),
        CheckConstraint("delay_minutes >= 0", name="delay_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    touchpoint_id: Mapped[int] = mapped_column(ForeignKey("touchpoints.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    channel: Mapped[ConsentChannel] = mapped_column(enum_type(ConsentChannel, "rule_channel"))
    delay_minutes: Mapped[int] = mapped_column(default=60)
    sampling_rate: Mapped[float] = mapped_column(default=1.0)
    # Optional stratification: {"attribute": "region", "rates": {"small-market": 1.0}}.
    strata: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recontact_days_contact: Mapped[int | None]
    recontact_days_survey: Mapped[int | None]
    # Quiet time in the contact's zone: {"start": "21:00", "end": "08:00", "days": [6, 7]}.
    quiet: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{"region": "DE-BY" or "*", "date": "2026-08-15"}], region from the contact attribute.
    holidays: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    daily_cap: Mapped[int | None]
    # [{"source": "contact", "attribute": "plan", "op": "in", "value": ["pro"]}]
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reminder_days: Mapped[int | None]
    expiry_days: Mapped[int] = mapped_column(default=14)
    priority: Mapped[int] = mapped_column(default=100)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Website rules only: also survey visitors the site did not identify (embed.js keeps a
    # random visitor id in the browser; each id stands for one pseudonymous contact).
    allow_anonymous: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    touchpoint: Mapped[Touchpoint] = relationship()
