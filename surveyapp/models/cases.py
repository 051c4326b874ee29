"""Follow-up cases: the case, its timeline, and the root-cause taxonomy it is tagged from."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, Computed, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.domain.case_mail import CustomerVerdict
from surveyapp.domain.case_rules import CasePriority, ScoreBand
from surveyapp.domain.case_states import CaseStatus
from surveyapp.models.base import Base, enum_type

if TYPE_CHECKING:
    from surveyapp.models.contacts import Contact
    from surveyapp.models.responses import Response
    from surveyapp.models.touchpoints import Touchpoint
    from surveyapp.models.users import Team, User

case_root_causes = Table(
    "case_root_causes",
    Base.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("root_cause_id", ForeignKey("root_causes.id", ondelete="CASCADE"), primary_key=True),
)


# Generated-column expressions; migration a1e9d0c7b004 repeats them. Written as PostgreSQL
# reads them back (ORs, not IN), so that comparing models and database finds no change.
_IS_OPEN_SQL = "status = 'new' OR status = 'in_progress' OR status = 'waiting_on_customer'"
_URGENCY_SQL = (
    "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"
)
_NEXT_DUE_SQL = (
    "CASE WHEN first_action_at IS NULL THEN first_action_due_at ELSE resolution_due_at END"
)
_OVERDUE_SQL = (
    "CASE WHEN first_action_at IS NULL AND first_action_due_at < resolution_due_at "
    "THEN first_action_due_at ELSE resolution_due_at END"
)


class RootCause(Base):
    """One entry of the root-cause taxonomy that CX owners keep; retired, never deleted."""

    __tablename__ = "root_causes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class Case(Base):
    """A follow-up case opened by one response; ``version`` guards against lost updates."""

    __tablename__ = "cases"
    __table_args__ = (
        # The inbox: open cases of an owner and of a team; a team's cases by age.
        Index("ix_cases_owner_status", "owner_id", "status"),
        Index("ix_cases_team_status", "team_id", "status"),
        Index("ix_cases_team_opened", "team_id", "opened_at"),
        # Covers the inbox's tab counts, the overdue view and the escalation scan: they read
        # only these columns of the open cases (an index-only scan, not 10,000 row fetches).
        Index(
            "ix_cases_open_overview",
            "status",
            "team_id",
            "owner_id",
            "first_action_at",
            "first_action_due_at",
            "resolution_due_at",
        ),
        Index("ix_cases_contact_id", "contact_id"),
        # The inbox's pages, most urgent first, read in index order and cut after one page:
        # a team's queue, an owner's queue and every open case (admins, unassigned, overdue).
        Index("ix_cases_team_queue", "team_id", "is_open", "urgency", "next_due_at", "id"),
        Index("ix_cases_owner_queue", "owner_id", "is_open", "urgency", "next_due_at", "id"),
        Index("ix_cases_open_queue", "is_open", "urgency", "next_due_at", "id"),
        # The tab counts and the workload: a range over the open cases of the viewer's teams
        # instead of every open case (index-only on PostgreSQL; SQLite computes the virtual
        # columns from the row).
        Index("ix_cases_open_counts", "is_open", "team_id", "owner_id", "overdue_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One case per response, guaranteed by the database as well.
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), unique=True
    )
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    touchpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("touchpoints.id", ondelete="SET NULL")
    )
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[CaseStatus] = mapped_column(enum_type(CaseStatus, "case_status"))
    priority: Mapped[CasePriority] = mapped_column(enum_type(CasePriority, "case_priority"))
    score: Mapped[int | None]
    score_band: Mapped[ScoreBand] = mapped_column(enum_type(ScoreBand, "case_score_band"))
    # Why it was opened: CaseReason values.
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_action_at: Mapped[datetime | None]
    # Due times are set when the case opens and kept when it moves between owners or teams.
    first_action_due_at: Mapped[datetime]
    resolution_due_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # 0: on time or not yet checked, 1: owner reminded, 2: managers told.
    escalation_level: Mapped[int] = mapped_column(default=0)
    resolution: Mapped[str] = mapped_column(Text, default="")
    reopen_count: Mapped[int] = mapped_column(default=0)
    customer_verdict: Mapped[CustomerVerdict | None] = mapped_column(
        enum_type(CustomerVerdict, "case_customer_verdict")
    )
    version: Mapped[int] = mapped_column(default=1)
    # Derived by the database from the columns above (generated columns: stored on PostgreSQL,
    # virtual on SQLite), so every write keeps them right, bulk UPDATEs included: what the
    # inbox filters, sorts and counts by.
    is_open: Mapped[bool] = mapped_column(Computed(_IS_OPEN_SQL))
    # 0 urgent, 1 high, 2 normal, 3 low: the priority in the order the inbox sorts by.
    urgency: Mapped[int] = mapped_column(Computed(_URGENCY_SQL))
    # The next due time: the first action's until one was taken, then the resolution's.
    next_due_at: Mapped[datetime] = mapped_column(Computed(_NEXT_DUE_SQL))
    # From when an open case is overdue: the earlier due time until the first action.
    overdue_at: Mapped[datetime] = mapped_column(Computed(_OVERDUE_SQL))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 -- SQLAlchemy's own mapping

    response: Mapped[Response] = relationship()
    contact: Mapped[Contact | None] = relationship()
    touchpoint: Mapped[Touchpoint | None] = relationship()
    team: Mapped[Team | None] = relationship()
    owner: Mapped[User | None] = relationship()
    root_causes: Mapped[list[RootCause]] = relationship(
        secondary=case_root_causes, order_by="RootCause.name"
    )


class CaseEvent(Base):
    """One entry on a case's timeline; appended, never changed."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case", "case_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))  # a CaseEventKind
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # "customer", "system", or the staff member's name at the time.
    actor_label: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
