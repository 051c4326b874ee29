"""Typed factories for test data: they flush, never commit."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from functools import cache

from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import Survey, SurveyKind, SurveyVersion, Team, User
from surveyapp.services import surveys
from surveyapp.services.auth import hash_password

DEFAULT_PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


@cache
def _default_password_hash() -> str:
    # argon2id is deliberately slow; hash the shared test password once per run.
    return hash_password(DEFAULT_PASSWORD)


def make_user(
    session: Session,
    *,
    role: Role = Role.ADMIN,
    email: str | None = None,
    name: str | None = None,
    is_active: bool = True,
    locale: str | None = None,
    teams: list[Team] | None = None,
) -> User:
    """A staff user whose password is ``DEFAULT_PASSWORD``."""
    number = next(_sequence)
    user = User(
        email=email or f"user{number}@example.com",
        name=name or f"User {number}",
        role=role,
        password_hash=_default_password_hash(),
        is_active=is_active,
        locale=locale,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        teams=teams or [],
    )
    session.add(user)
    session.flush()
    return user


def make_team(session: Session, *, name: str | None = None) -> Team:
    """A team with a unique name."""
    team = Team(name=name or f"Team {next(_sequence)}", created_at=datetime(2026, 1, 1, tzinfo=UTC))
    session.add(team)
    session.flush()
    return team


def make_published_survey(
    session: Session,
    *,
    template: str = "nps",
    name: str = "After support",
    link_enabled: bool = False,
    actor: User | None = None,
) -> tuple[Survey, SurveyVersion]:
    """A survey from a ready-made template, published once."""
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    publisher = actor or make_user(session, role=Role.CX_OWNER)
    survey = surveys.create_survey(
        session,
        name=name,
        kind=SurveyKind.TRANSACTIONAL,
        template=template,
        clock=clock,
        actor=publisher,
    )
    survey.link_enabled = link_enabled
    version = surveys.publish(session, survey.id, clock=clock, actor=publisher)
    return survey, version
