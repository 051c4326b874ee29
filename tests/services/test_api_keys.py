"""API keys: shown once, stored hashed, scoped, revocable, attributable in the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import AuditEvent
from surveyapp.services import api_keys, audit
from surveyapp.services.errors import ValidationFailed
from tests.factories import make_user


def test_key_is_stored_hashed_and_authenticates_until_revoked(
    session: Session, clock: FixedClock
) -> None:
    admin = make_user(session, role=Role.ADMIN)
    created = api_keys.create_key(
        session,
        name="CRM",
        scopes=["interactions:write", "contacts:write"],
        clock=clock,
        actor=admin,
    )
    assert created.secret.startswith("sa_")
    assert created.secret not in created.api_key.key_hash
    assert created.api_key.prefix == created.secret[:10]
    clock.advance(timedelta(minutes=5))
    found = api_keys.authenticate(session, created.secret)
    assert found is created.api_key
    assert api_keys.authenticate(session, created.secret + "x") is None

    api_keys.revoke_key(session, created.api_key.id, clock=clock, actor=admin)
    assert api_keys.authenticate(session, created.secret) is None


def test_last_use_is_noted_to_the_minute(session: Session, clock: FixedClock) -> None:
    admin = make_user(session, role=Role.ADMIN)
    key = api_keys.create_key(
        session, name="CRM", scopes=["interactions:write"], clock=clock, actor=admin
    ).api_key
    assert api_keys.use_to_record(key, clock=clock)  # never used yet
    api_keys.record_use(session, key, clock=clock)
    noted = clock.now()
    clock.advance(timedelta(seconds=59))
    assert not api_keys.use_to_record(key, clock=clock)
    clock.advance(timedelta(seconds=1))
    assert api_keys.use_to_record(key, clock=clock)
    session.expire_all()
    assert session.get(type(key), key.id).last_used_at == noted  # type: ignore[union-attr]


def test_writes_through_a_key_are_attributed_to_it(session: Session, clock: FixedClock) -> None:
    admin = make_user(session, role=Role.ADMIN)
    key = api_keys.create_key(
        session, name="Shop", scopes=["interactions:write"], clock=clock, actor=admin
    )
    audit.record(session, "interaction.recorded", clock=clock, api_key=key.api_key)
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "interaction.recorded")
    ).one()
    assert event.api_key_id == key.api_key.id
    assert event.actor_label.startswith("API key Shop (sa_")


def test_unknown_scopes_and_empty_names_are_refused(session: Session, clock: FixedClock) -> None:
    admin = make_user(session, role=Role.ADMIN)
    with pytest.raises(ValidationFailed) as failed:
        api_keys.create_key(session, name="X", scopes=["root"], clock=clock, actor=admin)
    assert "scopes" in failed.value.field_errors
    with pytest.raises(ValidationFailed):
        api_keys.create_key(session, name=" ", scopes=["responses:read"], clock=clock, actor=admin)
