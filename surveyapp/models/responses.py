"""Invitations to answer, the link fetches they receive, and the responses they collect."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.domain.scoring import NpsCategory
from surveyapp.domain.states import InvitationState, ReminderState
from surveyapp.models.base import Base, enum_type
from surveyapp.models.surveys import SurveyVersion

if TYPE_CHECKING:
    from surveyapp.models.contacts import Contact
    from surveyapp.models.touchpoints import Interaction, TriggerRule


class Channel(StrEnum):
    """How a response reached us."""

    EMAIL = "email"
    LINK = "link"
    WEB = "web"
    TEST = "test"


class ResponseStatus(StrEnum):
    """Provisional: a score shown in a browser, not yet submitted. Voided: a scanner's."""

    PROVISIONAL = "provisional"
    PARTIAL = "partial"
    COMPLETE = "complete"
    VOIDED = "voided"


class Invitation(Base):
    """A personal invitation to answer one survey version; found by its token's hash only."""

    __tablename__ = "invitations"
    __table_args__ = (
        Index("ix_invitations_state_send_at", "state", "send_at"),
        # Daily caps count a rule's invitations of one day (planning, per batch and rule).
        Index("ix_invitations_rule_created", "trigger_rule_id", "created_at", "state"),
        Index("ix_invitations_reminder", "reminder_state", "reminder_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    survey_version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_versions.id", ondelete="CASCADE")
    )
    # Test links have no contact; erasing a contact keeps the invitation's statistics.
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "invitation_channel"))
    locale: Mapped[str | None] = mapped_column(String(8))
    # Planned invitations come from an interaction and a rule; test links have neither.
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="SET NULL"), index=True
    )
    trigger_rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("trigger_rules.id", ondelete="SET NULL")
    )
    state: Mapped[InvitationState] = mapped_column(enum_type(InvitationState, "invitation_state"))
    send_at: Mapped[datetime | None]
    # Every check of the planning decision: [{"name", "passed", "reason", "detail"}].
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    suppression_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    first_opened_at: Mapped[datetime | None]
    scanner_detected_at: Mapped[datetime | None]
    # Dispatch (DESIGN.md §5): a claim is a lease held by one worker until it runs out.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_expires_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
    # The one reminder: due once the rule's reminder period has passed without an answer.
    reminder_state: Mapped[ReminderState | None] = mapped_column(
        enum_type(ReminderState, "reminder_state")
    )
    reminder_due_at: Mapped[datetime | None]
    reminder_attempts: Mapped[int] = mapped_column(default=0, server_default="0")

    survey_version: Mapped[SurveyVersion] = relationship()
    contact: Mapped[Contact | None] = relationship(viewonly=True)
    interaction: Mapped[Interaction | None] = relationship(viewonly=True)
    trigger_rule: Mapped[TriggerRule | None] = relationship(viewonly=True)
    # At most one (responses.invitation_id is unique); read-only: responses set invitation_id.
    response: Mapped[Response | None] = relationship(viewonly=True)


class LinkFetch(Base):
    """One GET of an invitation's link: evidence for telling people from link scanners."""

    __tablename__ = "link_fetches"
    __table_args__ = (Index("ix_link_fetches_invitation_id", "invitation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    score: Mapped[int | None]
    is_trap: Mapped[bool] = mapped_column(default=False)
    fetched_at: Mapped[datetime]


class Response(Base):
    """One respondent's answers to one survey version, with the derived score fields."""

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 10)", name="score_range"),
        Index("ix_responses_version_submitted", "survey_version_id", "submitted_at"),
        Index("ix_responses_submitted_at", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_versions.id", ondelete="CASCADE")
    )
    # One response per invitation; anonymous link answers have none.
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), unique=True
    )
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "response_channel"))
    locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[ResponseStatus] = mapped_column(enum_type(ResponseStatus, "response_status"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score: Mapped[int | None]
    nps_category: Mapped[NpsCategory | None] = mapped_column(enum_type(NpsCategory, "nps_category"))
    csat_satisfied: Mapped[bool | None]
    ces_easy: Mapped[bool | None]
    is_unhappy: Mapped[bool] = mapped_column(default=False)
    has_comment: Mapped[bool] = mapped_column(default=False)
    contact_requested: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # When the respondent submitted (provisional scores have none yet).
    submitted_at: Mapped[datetime | None]
    # Opaque id of an anonymous respondent's browser session, so re-submits update one response.
    anonymous_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    survey_version: Mapped[SurveyVersion] = relationship()
    invitation: Mapped[Invitation | None] = relationship()
