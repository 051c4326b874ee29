"""Mail about cases waiting to be sent or sent: close-the-loop messages and staff notices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.domain.case_mail import CaseMailKind, CaseMailState, CustomerVerdict
from surveyapp.models.base import Base, enum_type


class CaseMail(Base):
    """One message about a case, claimed and sent by the case mail job (at most once)."""

    __tablename__ = "case_mails"
    __table_args__ = (
        Index("ix_case_mails_state_send_at", "state", "send_at"),
        Index("ix_case_mails_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[CaseMailKind] = mapped_column(enum_type(CaseMailKind, "case_mail_kind"))
    state: Mapped[CaseMailState] = mapped_column(enum_type(CaseMailState, "case_mail_state"))
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8))
    # What staff wrote to the customer (close-the-loop); empty for notices to staff.
    body: Mapped[str] = mapped_column(Text, default="")
    # The hash of the "Did we solve your issue?" link token (close-the-loop only).
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    send_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_expires_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verdict: Mapped[CustomerVerdict | None] = mapped_column(
        enum_type(CustomerVerdict, "case_mail_verdict")
    )
    answered_at: Mapped[datetime | None]
