"""Many-to-many tables shared between aggregates."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Table

from surveyapp.models.base import Base

team_members = Table(
    "team_members",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)
