"""Recovering unhappy customers: re-surveys, goodwill, and each team's recovery settings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.domain.case_recovery import GoodwillKind, GoodwillStatus
from surveyapp.models.base import Base, enum_type

MONEY = Numeric(12, 2)


class CaseResurvey(Base):
    """The short re-survey of one case's customer; ``recovered`` stays None until answered.

    ``sent_at`` is when the re-survey invitation was handed to dispatch (which still applies
    consent, suppression, quiet hours and the recontact rule). ``recovered`` is True when the
    new score left the unhappy band (DESIGN.md 6, recovery rate).
    """

    __tablename__ = "case_resurveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    # Unique: the answer hook finds the re-survey of an answered invitation by this column.
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), unique=True
    )
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="SET NULL"))
    score: Mapped[int | None]
    recovered: Mapped[bool | None]
    answered_at: Mapped[datetime | None]


class TeamRecoverySettings(Base):
    """A team's goodwill budget and approval threshold, and its re-survey (off by default).

    Amounts are in ``currency``; goodwill of a team with a budget is recorded in it.
    """

    __tablename__ = "team_recovery_settings"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    monthly_budget: Mapped[Decimal | None] = mapped_column(MONEY)
    approval_threshold: Mapped[Decimal | None] = mapped_column(MONEY)
    # Days after resolution the customer gets a re-survey; None: no re-survey.
    resurvey_after_days: Mapped[int | None]
    # When the re-survey was switched on: cases resolved before are never re-surveyed.
    resurvey_since: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class Goodwill(Base):
    """Compensation given on a case: counted in its team's month once approved."""

    __tablename__ = "goodwill"
    __table_args__ = (
        Index("ix_goodwill_case", "case_id"),
        Index("ix_goodwill_team_recorded", "team_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # The team whose budget pays, fixed when recorded (cases may move between teams).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    kind: Mapped[GoodwillKind] = mapped_column(enum_type(GoodwillKind, "goodwill_kind"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[GoodwillStatus] = mapped_column(enum_type(GoodwillStatus, "goodwill_status"))
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
