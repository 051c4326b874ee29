"""Staff users and teams."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.domain.roles import Role
from surveyapp.domain.sign_in import ThrottleKind
from surveyapp.models.associations import team_members
from surveyapp.models.base import Base, enum_type

EMAIL_MAX = 254
NAME_MAX = 120


class User(Base):
    """A staff member who signs in to the staff area."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    locale: Mapped[str | None] = mapped_column(String(8))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    # Part of the signed session and remember-me cookies; raising it ends every session.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    teams: Mapped[list[Team]] = relationship(
        secondary=team_members, back_populates="members", order_by="Team.name"
    )

    def get_id(self) -> str:
        """Flask-Login's key in the session and remember-me cookies: id and session version.

        A password change, a reset or a deactivation raises the version, so cookies issued
        before no longer load anyone.
        """
        return f"{self.id}:{self.session_version}"

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False


class Team(Base):
    """A group of staff that owns touchpoints and receives their follow-up cases."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    created_at: Mapped[datetime]

    members: Mapped[list[User]] = relationship(
        secondary=team_members, back_populates="teams", order_by="User.name"
    )


class SignInThrottle(Base):
    """Failed sign-ins counted per account or per address, and the lock they caused.

    Kept in the database so every web process sees the same counters; ``key`` is a SHA-256
    hash (of the submitted email or the address), never the value itself.
    """

    __tablename__ = "sign_in_throttles"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ThrottleKind] = mapped_column(enum_type(ThrottleKind, "throttle_kind"))
    key: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
