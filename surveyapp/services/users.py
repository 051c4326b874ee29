"""Staff accounts: creating users, changing roles and teams, deactivating, language choice."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.roles import Role
from surveyapp.domain.tokens import generate_password
from surveyapp.models import Team, User
from surveyapp.services import audit
from surveyapp.services.auth import end_sessions, hash_password, normalise_email, verify_password
from surveyapp.services.errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12  # also in the message below; translations cannot take an f-string
SUPPORTED_LOCALES = ("en", "de")


@dataclass(frozen=True)
class NewUser:
    """A created user and, when the password was generated, that password (shown once)."""

    user: User
    generated_password: str | None


def list_users(session: Session) -> Sequence[User]:
    """All staff users, active first, then by name."""
    return session.scalars(select(User).order_by(User.is_active.desc(), User.name)).all()


def get_user(session: Session, user_id: int) -> User:
    """Return the user with ``user_id`` or raise ``NotFound``."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("This user does not exist."))
    return user


def count_active_admins(session: Session) -> int:
    """How many active users hold the admin role."""
    query = select(func.count()).where(User.role == Role.ADMIN, User.is_active.is_(True))
    return session.scalar(query) or 0


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role,
    password: str | None,
    clock: Clock,
    actor: User | None,
    team_ids: Iterable[int] = (),
    locale: str | None = None,
) -> NewUser:
    """Create an active staff user; generate a password when ``password`` is ``None``.

    Raises ``ValidationFailed`` (field ``email``) when the email is taken, (field ``password``)
    when the password is shorter than 12 characters. Records ``user.created``. Flushes.
    """
    address = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise ValidationFailed.on_field("email", N_("A user with this email already exists."))
    generated = generate_password() if password is None else None
    chosen = generated or password or ""
    _check_password(chosen)
    user = User(
        email=address,
        name=name.strip(),
        role=role,
        password_hash=hash_password(chosen),
        locale=_checked_locale(locale),
        is_active=True,
        created_at=clock.now(),
    )
    user.teams = _teams_by_id(session, team_ids)
    session.add(user)
    session.flush()
    audit.record(
        session, "user.created", clock=clock, actor=actor, target=user, details={"role": role}
    )
    log.info("User %s created with role %s", user.email, role)
    return NewUser(user=user, generated_password=generated)


def update_user(
    session: Session,
    user_id: int,
    *,
    name: str,
    role: Role,
    is_active: bool,
    team_ids: Iterable[int],
    clock: Clock,
    actor: User,
) -> User:
    """Change a user's name, role, active flag and teams.

    Refuses (``ValidationFailed``) to demote or deactivate the last active admin, so the
    workspace can never lock itself out. Deactivating ends all the user's sessions (they stay
    ended after a reactivation). Records ``user.role_changed``, ``user.deactivated`` and
    ``user.reactivated`` as they apply. Flushes.
    """
    user = get_user(session, user_id)
    _keep_one_admin(session, user, role=role, is_active=is_active)
    if user.role != role:
        audit.record(
            session,
            "user.role_changed",
            clock=clock,
            actor=actor,
            target=user,
            details={"from": user.role, "to": role},
        )
        user.role = role
    if user.is_active != is_active:
        action = "user.reactivated" if is_active else "user.deactivated"
        audit.record(session, action, clock=clock, actor=actor, target=user)
        user.is_active = is_active
        if not is_active:
            end_sessions(user)
    user.name = name.strip()
    user.teams = _teams_by_id(session, team_ids)
    session.flush()
    log.info("User %s updated by %s", user.email, actor.email)
    return user


def set_locale(session: Session, user: User, locale: str | None) -> None:
    """Store the user's language choice (``None`` follows the browser). Flushes."""
    user.locale = _checked_locale(locale)
    session.flush()


def change_password(session: Session, user: User, *, current: str, new: str, clock: Clock) -> None:
    """Replace the user's password after checking the current one. Flushes.

    Ends every session and remember-me cookie of the user; the web layer signs the current
    session in again with the new session version.
    """
    if not verify_password(user.password_hash, current):
        raise ValidationFailed.on_field(
            "current_password", N_("The current password is not correct.")
        )
    _check_password(new, field="new_password")
    user.password_hash = hash_password(new)
    end_sessions(user)
    audit.record(session, "user.password_changed", clock=clock, actor=user, target=user)
    session.flush()


def reset_password(session: Session, user_id: int, *, clock: Clock, actor: User) -> str:
    """Give the user a new generated password and return it (to be shown once).

    The old password stops working at once and every session of the user ends. Records
    ``user.password_reset``. Flushes.
    """
    user = get_user(session, user_id)
    password = generate_password()
    user.password_hash = hash_password(password)
    end_sessions(user)
    audit.record(session, "user.password_reset", clock=clock, actor=actor, target=user)
    session.flush()
    log.info("Password of %s reset by %s", user.email, actor.email)
    return password


def _check_password(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed.on_field(field, N_("Use at least 12 characters."))


def _checked_locale(locale: str | None) -> str | None:
    if locale in (None, ""):
        return None
    if locale not in SUPPORTED_LOCALES:
        raise ValidationFailed.on_field("locale", N_("This language is not available."))
    return locale


def _keep_one_admin(session: Session, user: User, *, role: Role, is_active: bool) -> None:
    loses_admin = (
        user.role == Role.ADMIN and user.is_active and (role != Role.ADMIN or not is_active)
    )
    if loses_admin and count_active_admins(session) <= 1:
        message = N_("The last active admin cannot be demoted or deactivated.")
        raise ValidationFailed.on_field("role", message)


def _teams_by_id(session: Session, team_ids: Iterable[int]) -> list[Team]:
    wanted = set(team_ids)
    if not wanted:
        return []
    teams = list(session.scalars(select(Team).where(Team.id.in_(wanted))).all())
    if len(teams) != len(wanted):
        raise ValidationFailed.on_field("team_ids", N_("Choose teams from the list."))
    return teams
