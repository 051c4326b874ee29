"""Case settings: when answers open cases (per survey or touchpoint) and each team's SLA."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.models.base import Base


class CaseRule(Base):
    """What opens a case for one survey or one touchpoint (exactly one of them is set).

    A touchpoint's rule wins over its survey's; without either the built-in defaults apply
    (``domain.case_rules.DEFAULT_CRITERIA``).
    """

    __tablename__ = "case_rules"
    __table_args__ = (
        CheckConstraint("(survey_id IS NULL) <> (touchpoint_id IS NULL)", name="one_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int | None] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), unique=True
    )
    touchpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("touchpoints.id", ondelete="CASCADE"), unique=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    nps_max: Mapped[int | None]
    csat_max: Mapped[int | None]
    ces_max: Mapped[int | None]
    # "question_key:option_key" pairs, and keywords, that open a case.
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority_attribute: Mapped[str | None] = mapped_column(String(64))
    priority_values: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Where cases go when the response has no touchpoint with a team (anonymous links).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TeamCaseSettings(Base):
    """A team's SLA (first action, resolution; working or calendar hours) and assignment."""

    __tablename__ = "team_case_settings"
    __table_args__ = (
        CheckConstraint("first_action_hours > 0", name="first_action_positive"),
        CheckConstraint("resolution_hours > 0", name="resolution_positive"),
    )

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    first_action_hours: Mapped[int] = mapped_column(default=24)
    resolution_hours: Mapped[int] = mapped_column(default=72)
    # Working hours: counted only on working days, between day_start and day_end (HH:MM)
    # in the team's time zone, minus holidays (ISO dates). Otherwise calendar hours.
    uses_working_hours: Mapped[bool] = mapped_column(default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    working_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: [1, 2, 3, 4, 5])
    day_start: Mapped[str] = mapped_column(String(5), default="09:00")
    day_end: Mapped[str] = mapped_column(String(5), default="17:00")
    holidays: Mapped[list[str]] = mapped_column(JSON, default=list)
    # After the first reminder, how much later (same kind of hours) the managers are told.
    escalation_grace_hours: Mapped[int] = mapped_column(default=4)
    # Round-robin: new cases go to the team's agent with the fewest open cases.
    round_robin: Mapped[bool] = mapped_column(default=False)
    max_open_per_agent: Mapped[int | None]
    last_assigned_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime]
