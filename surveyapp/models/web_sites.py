"""Websites that embed surveys with the snippet, and each survey the widget showed on one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.domain.embed import Position
from surveyapp.models.base import Base, enum_type
from surveyapp.models.responses import Invitation


class WebSite(Base):
    """A website allowed to show surveys: its origins, public key, secret salt and theme."""

    __tablename__ = "web_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Public: it is in the snippet of every page of the site.
    site_key: Mapped[str] = mapped_column(String(40), unique=True)
    # The signing secret is derived from the installation's secret and this salt
    # (domain.embed.site_secret); the secret itself is never stored.
    secret_salt: Mapped[str] = mapped_column(String(64))
    # A fingerprint of the secret when it was issued: shows when the derived secret changed.
    secret_check: Mapped[str] = mapped_column(String(16))
    secret_issued_at: Mapped[datetime]
    # Normalised origins ("https://shop.example"), the only ones CORS and framing allow.
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    theme_colour: Mapped[str] = mapped_column(String(7))
    position: Mapped[Position] = mapped_column(enum_type(Position, "web_site_position"))
    start_minimized: Mapped[bool] = mapped_column(default=False)
    # Answers the browser with the reasons of every decision (for integrators, in testing).
    explain_decisions: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class WebDisplay(Base):
    """One survey the widget showed: on which site and page origin, when, and if dismissed.

    Its invitation (channel ``web``) is what recontact periods count; a dismissal keeps it.
    """

    __tablename__ = "web_displays"
    __table_args__ = (Index("ix_web_displays_site_shown", "site_id", "shown_at"),)

    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(ForeignKey("web_sites.id", ondelete="CASCADE"))
    origin: Mapped[str] = mapped_column(String(200))
    shown_at: Mapped[datetime]
    dismissed_at: Mapped[datetime | None]
    # The visitor was asked for consent first (opt-in without a grant for the web).
    consent_asked: Mapped[bool] = mapped_column(default=False)

    invitation: Mapped[Invitation] = relationship()
    site: Mapped[WebSite] = relationship()
