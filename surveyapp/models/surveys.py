"""Surveys: an editable draft and the immutable versions published from it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.models.base import Base, enum_type
from surveyapp.models.users import User


class SurveyKind(StrEnum):
    """Transactional surveys ask about one interaction; relational about the relationship."""

    TRANSACTIONAL = "transactional"
    RELATIONAL = "relational"


class SurveyStatus(StrEnum):
    """Whether a survey is in use."""

    ACTIVE = "active"
    ARCHIVED = "archived"


class Survey(Base):
    """A survey; ``draft`` holds the document being edited (see domain.survey_definition)."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[SurveyKind] = mapped_column(enum_type(SurveyKind, "survey_kind"))
    status: Mapped[SurveyStatus] = mapped_column(enum_type(SurveyStatus, "survey_status"))
    # Only the builder reads the draft; respondents' requests never load it.
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    # Whether the draft differs from the newest version (a published survey being edited).
    has_unpublished_changes: Mapped[bool] = mapped_column(default=True)
    # The anonymous link /l/<link_slug>: random, so surveys cannot be enumerated.
    link_slug: Mapped[str] = mapped_column(String(64), unique=True)
    link_enabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    versions: Mapped[list[SurveyVersion]] = relationship(
        back_populates="survey", order_by="SurveyVersion.number", cascade="all, delete-orphan"
    )


class SurveyVersion(Base):
    """A published, frozen copy of a survey's document; never changed after publishing."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    number: Mapped[int]
    kind: Mapped[SurveyKind] = mapped_column(enum_type(SurveyKind, "survey_version_kind"))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    survey: Mapped[Survey] = relationship(back_populates="versions")
    published_by: Mapped[User | None] = relationship()
