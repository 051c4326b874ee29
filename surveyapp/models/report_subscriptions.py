"""Report subscriptions: a staff member receives a team's or touchpoint's PDF report by mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.domain.report_periods import Cadence
from surveyapp.models.base import Base, enum_type


class ReportSubscription(Base):
    """One user's weekly or monthly report about one team or one touchpoint (exactly one).

    ``last_sent_period`` names the last period (``2026-W48``, ``2026-11``) that was sent, or
    that had already begun when the subscription was made; the next one is due after it.
    """

    __tablename__ = "report_subscriptions"
    __table_args__ = (
        CheckConstraint("(team_id IS NULL) <> (touchpoint_id IS NULL)", name="one_scope"),
        Index("ix_report_subscriptions_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    touchpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("touchpoints.id", ondelete="CASCADE")
    )
    cadence: Mapped[Cadence] = mapped_column(enum_type(Cadence, "report_cadence"))
    # The IANA zone whose Monday 07:00 (1st 07:00) the report is sent at.
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    is_active: Mapped[bool] = mapped_column(default=True)
    last_sent_period: Mapped[str | None] = mapped_column(String(16))
    last_sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
