"""Dispatch bookkeeping: each invitation's timeline, the built-in outbox, once-per-period runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.models.base import Base


class InvitationEvent(Base):
    """One step in an invitation's life: claimed, sent, retried, failed, replayed, bounced..."""

    __tablename__ = "invitation_events"
    __table_args__ = (Index("ix_invitation_events_invitation", "invitation_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    # The SMTP answer, the suppression reason or the admin's note.
    detail: Mapped[str] = mapped_column(String(500), default="")
    attempt: Mapped[int | None]
    worker_id: Mapped[str | None] = mapped_column(String(120))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class OutboxMessage(Base):
    """A message the built-in outbox kept instead of sending (no SMTP server configured)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_stored_at", "stored_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    stored_at: Mapped[datetime]
    raw: Mapped[str] = mapped_column(Text)


class PeriodicRun(Base):
    """Once-per-period work (expiry, reminder scan, weekly reports): the first worker wins."""

    __tablename__ = "periodic_runs"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(32), primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime]
