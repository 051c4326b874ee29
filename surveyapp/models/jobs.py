"""Scheduler bookkeeping: which worker processes are alive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.models.base import Base


class WorkerHeartbeat(Base):
    """The last sign of life of one scheduler process (web process or worker)."""

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]
