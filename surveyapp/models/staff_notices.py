"""Staff-facing recognition and notification choices: kudos and the daily digest setting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.models.base import Base


class Kudos(Base):
    """A promoter's comment about an interaction with a known agent; mailed once."""

    __tablename__ = "kudos"
    __table_args__ = (
        Index("ix_kudos_agent_created", "agent_id", "created_at"),
        Index("ix_kudos_notified", "notified_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One kudos per response, guaranteed by the database as well.
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), unique=True
    )
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    # Set when a worker claims the kudos mail (at most once, as every mail).
    notified_at: Mapped[datetime | None]


class NotificationSettings(Base):
    """A staff member's mail choices; without a row, the daily digest is on."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    daily_digest: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]
