"""Retention settings: how many days each kind of personal data is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.domain.retention import RetentionKind
from surveyapp.models.base import Base, enum_type


class RetentionSetting(Base):
    """The period of one kind; ``days`` ``None`` keeps it forever. A missing row: the default."""

    __tablename__ = "retention_settings"
    __table_args__ = (CheckConstraint("days IS NULL OR days >= 1", name="days_positive"),)

    kind: Mapped[RetentionKind] = mapped_column(
        enum_type(RetentionKind, "retention_kind"), primary_key=True
    )
    days: Mapped[int | None]
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
