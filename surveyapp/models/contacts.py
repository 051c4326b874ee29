"""Contacts (the customers surveyed), their append-only consent ledger and consent settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentPolicy, ConsentSource
from surveyapp.models.base import Base, enum_type


class Contact(Base):
    """A customer, known by the company's own external id."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(120), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]


class ConsentEvent(Base):
    """One grant or withdrawal; the ledger is append-only and the newest entry decides."""

    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_contact_channel", "contact_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    channel: Mapped[ConsentChannel] = mapped_column(enum_type(ConsentChannel, "consent_channel"))
    action: Mapped[ConsentAction] = mapped_column(enum_type(ConsentAction, "consent_action"))
    source: Mapped[ConsentSource] = mapped_column(enum_type(ConsentSource, "consent_source"))
    text_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_texts.id", ondelete="SET NULL")
    )
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]


class ConsentText(Base):
    """The wording of the consent request in one locale; every save is a new version."""

    __tablename__ = "consent_texts"
    __table_args__ = (UniqueConstraint("locale", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(8))
    version: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ConsentSetting(Base):
    """The workspace's consent policy for one channel."""

    __tablename__ = "consent_settings"

    channel: Mapped[ConsentChannel] = mapped_column(
        enum_type(ConsentChannel, "consent_setting_channel"), primary_key=True
    )
    policy: Mapped[ConsentPolicy] = mapped_column(enum_type(ConsentPolicy, "consent_policy"))
    updated_at: Mapped[datetime]


class SuppressedAddress(Base):
    """A hashed email never written to again: erased, bounced hard, or complained of spam."""

    __tablename__ = "suppressed_addresses"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # erased, hard_bounce, complaint, smtp_rejected
    reason: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # What the mail server or provider said (bounces and complaints), for the contact page.
    detail: Mapped[str | None] = mapped_column(String(500))
