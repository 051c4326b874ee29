"""Reporting: daily rollups of scores and deliveries, their freshness, and the improvement log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.models.base import Base
from surveyapp.models.cases import RootCause
from surveyapp.models.responses import Invitation, Response
from surveyapp.models.touchpoints import Touchpoint
from surveyapp.models.users import User

# The rollup job finds what changed since its watermark, and re-aggregates whole UTC days of
# responses by their start time (the day a response belongs to in every report).
Index("ix_responses_updated_at", Response.updated_at)
Index("ix_responses_started_at", Response.started_at)
# Deliveries are re-aggregated by the day they were sent; the refresh finds new sends by it.
Index("ix_invitations_sent_at", Invitation.sent_at)


class DailyScoreRollup(Base):
    """How many counted responses gave ``score`` on one UTC day, per reporting dimension.

    Rebuilt per day from the responses (``services.reporting.rollups``); never edited in place.
    ``touchpoint_id`` is ``None`` for answers without an interaction (anonymous links). Team and
    journey stage are read through the touchpoint, so moving a touchpoint needs no rebuild.
    """

    __tablename__ = "report_daily_scores"
    __table_args__ = (
        Index("ix_report_daily_scores_day", "day", "touchpoint_id"),
        Index("ix_report_daily_scores_touchpoint_day", "touchpoint_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    touchpoint_id: Mapped[int | None]
    survey_id: Mapped[int]
    channel: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    # A QuestionType of a rating: nps, csat or ces.
    rating_type: Mapped[str] = mapped_column(String(8))
    score: Mapped[int]
    responses: Mapped[int]


class DailyDeliveryRollup(Base):
    """Invitations delivered (sent, not failed) on one UTC day per dimension, and how many of
    them have been answered since (the response rate's cohort: DESIGN.md §6)."""

    __tablename__ = "report_daily_deliveries"
    __table_args__ = (
        Index("ix_report_daily_deliveries_day", "day", "touchpoint_id"),
        Index("ix_report_daily_deliveries_touchpoint_day", "touchpoint_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    touchpoint_id: Mapped[int | None]
    survey_id: Mapped[int]
    channel: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    delivered: Mapped[int]
    answered: Mapped[int]


class RollupState(Base):
    """How far a rollup is: every change up to ``watermark`` is in it."""

    __tablename__ = "report_rollup_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    watermark: Mapped[datetime]
    refreshed_at: Mapped[datetime]


class Improvement(Base):
    """An entry of the improvement log: what a CX owner changed, when, and for which cause."""

    __tablename__ = "improvements"
    __table_args__ = (Index("ix_improvements_changed_on", "changed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    changed_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    touchpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("touchpoints.id", ondelete="SET NULL")
    )
    root_cause_id: Mapped[int | None] = mapped_column(
        ForeignKey("root_causes.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]

    touchpoint: Mapped[Touchpoint | None] = relationship()
    root_cause: Mapped[RootCause | None] = relationship()
    created_by: Mapped[User | None] = relationship()
