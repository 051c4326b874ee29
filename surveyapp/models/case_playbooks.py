"""Playbooks: checklists for recovering customers, per root cause or score band."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.domain.case_recovery import PlaybookTrigger
from surveyapp.domain.case_rules import ScoreBand
from surveyapp.models.base import Base, enum_type


class Playbook(Base):
    """A named checklist shown on cases with its root cause or in its score band."""

    __tablename__ = "playbooks"
    __table_args__ = (
        CheckConstraint(
            "(trigger = 'root_cause' AND root_cause_id IS NOT NULL) OR "
            "(trigger = 'score_band' AND score_band IS NOT NULL)",
            name="trigger_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    trigger: Mapped[PlaybookTrigger] = mapped_column(enum_type(PlaybookTrigger, "playbook_trigger"))
    root_cause_id: Mapped[int | None] = mapped_column(
        ForeignKey("root_causes.id", ondelete="CASCADE")
    )
    score_band: Mapped[ScoreBand | None] = mapped_column(
        enum_type(ScoreBand, "playbook_score_band")
    )
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PlaybookTick(Base):
    """One checklist item ticked on one case (unticking deletes it; the timeline keeps both)."""

    __tablename__ = "playbook_ticks"
    __table_args__ = (UniqueConstraint("case_id", "playbook_id", "item", name="one_tick"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    playbook_id: Mapped[int] = mapped_column(ForeignKey("playbooks.id", ondelete="CASCADE"))
    item: Mapped[int]  # the item's position in the playbook's list
    ticked_at: Mapped[datetime]
    ticked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
