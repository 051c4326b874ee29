"""Staff account rules enforced by the services, whatever the caller."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import AuditEvent
from surveyapp.services import auth, users
from surveyapp.services.errors import NotFound, ValidationFailed
from tests.factories import DEFAULT_PASSWORD, make_team, make_user


def test_created_user_password_is_hashed_with_argon2id(session: Session, clock: FixedClock) -> None:
    created = users.create_user(
        session,
        email=" Lea@Example.COM ",
        name=" Lea ",
        role=Role.CX_OWNER,
        password="a long enough passphrase",
        clock=clock,
        actor=None,
    )
    assert created.generated_password is None
    assert created.user.email == "lea@example.com"
    assert created.user.name == "Lea"
    assert created.user.password_hash.startswith("$argon2id$")
    assert auth.verify_password(created.user.password_hash, "a long enough passphrase")
    assert not auth.verify_password(created.user.password_hash, "a long enough passphrasE")


def test_sign_in_records_time_and_failures_without_saying_why(
    session: Session, clock: FixedClock
) -> None:
    user = make_user(session)
    assert auth.sign_in(session, user.email, "wrong", clock=clock, ip="10.0.0.1") is None
    assert auth.sign_in(session, "nobody@example.com", "wrong", clock=clock) is None
    signed_in = auth.sign_in(session, user.email, DEFAULT_PASSWORD, clock=clock)
    assert signed_in is user
    assert user.last_login_at == clock.now()
    reasons = session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "auth.sign_in_failed")
    ).all()
    assert sorted(r["reason"] for r in reasons) == ["unknown_email", "wrong_password"]


def test_malformed_stored_hash_never_matches() -> None:
    assert auth.verify_password("not-a-hash", "anything") is False


def test_last_active_admin_is_protected_but_one_of_two_may_go(
    session: Session, clock: FixedClock
) -> None:
    first = make_user(session, role=Role.ADMIN)
    with pytest.raises(ValidationFailed) as refused:
        users.update_user(
            session,
            first.id,
            name=first.name,
            role=Role.ADMIN,
            is_active=False,
            team_ids=[],
            clock=clock,
            actor=first,
        )
    assert refused.value.field_errors == {
        "role": "The last active admin cannot be demoted or deactivated."
    }
    second = make_user(session, role=Role.ADMIN)
    users.update_user(
        session,
        first.id,
        name=first.name,
        role=Role.VIEWER,
        is_active=True,
        team_ids=[],
        clock=clock,
        actor=second,
    )
    assert first.role == Role.VIEWER


def test_teams_must_exist(session: Session, clock: FixedClock) -> None:
    team = make_team(session)
    user = make_user(session, role=Role.AGENT)
    admin = make_user(session, role=Role.ADMIN)
    with pytest.raises(ValidationFailed) as refused:
        users.update_user(
            session,
            user.id,
            name="A",
            role=Role.AGENT,
            is_active=True,
            team_ids=[team.id, 999_999],
            clock=clock,
            actor=admin,
        )
    assert "team_ids" in refused.value.field_errors
    users.update_user(
        session,
        user.id,
        name="A",
        role=Role.AGENT,
        is_active=True,
        team_ids=[team.id],
        clock=clock,
        actor=admin,
    )
    assert user.teams == [team]


def test_get_user_raises_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        users.get_user(session, 424242)
