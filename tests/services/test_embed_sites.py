"""Websites that embed surveys: keys, origins, the derived secret and its audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.embed import Position, site_secret
from surveyapp.domain.roles import Role
from surveyapp.models import AuditEvent
from surveyapp.services.embed import sites
from surveyapp.services.embed.sites import SiteSettings
from surveyapp.services.errors import NotFound, ValidationFailed
from tests.factories import TEST_APP_SECRET, make_user, make_web_site


def _actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_new_site_gets_a_public_key_and_a_secret_only_derivable_with_the_installation_secret(
    session: Session, clock: FixedClock
) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    settings = SiteSettings(
        name=" Web shop ",
        allowed_origins=[
            "https://Shop.example/",
            "https://shop.example:443",
            "",
            "http://localhost:5173",
        ],
        theme_colour="#AA3300",
        position=Position.BOTTOM_LEFT,
        start_minimized=True,
    )
    created = sites.create_site(
        session, settings, app_secret=TEST_APP_SECRET, clock=clock, actor=owner
    )
    site = created.site
    assert site.name == "Web shop"
    assert site.site_key.startswith("ws_")
    assert len(site.site_key) > 20
    assert site.allowed_origins == ["https://shop.example", "http://localhost:5173"]
    assert site.theme_colour == "#aa3300"
    assert created.secret == site_secret(TEST_APP_SECRET, site.secret_salt)
    assert created.secret not in (site.secret_salt, site.secret_check, site.site_key)
    assert sites.signing_secret(site, app_secret=TEST_APP_SECRET) == created.secret
    assert not sites.secret_changed(site, app_secret=TEST_APP_SECRET)
    assert sites.secret_changed(site, app_secret="the-installation-secret-was-changed")
    assert sites.find_site_by_key(session, site.site_key) is site
    assert _actions(session)[-1] == "web_site.created"


@pytest.mark.parametrize(
    ("origins", "colour", "field"),
    [
        (["https://shop.example/checkout"], "#0a58a8", "allowed_origins"),
        (["http://shop.example"], "#0a58a8", "allowed_origins"),
        (["", " "], "#0a58a8", "allowed_origins"),
        (["https://shop.example"], "blue", "theme_colour"),
    ],
)
def test_bad_settings_are_refused_per_field(
    session: Session, clock: FixedClock, origins: list[str], colour: str, field: str
) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    settings = SiteSettings(name="Shop", allowed_origins=origins, theme_colour=colour)
    with pytest.raises(ValidationFailed) as refused:
        sites.create_site(session, settings, app_secret=TEST_APP_SECRET, clock=clock, actor=owner)
    assert set(refused.value.field_errors) == {field}


def test_rotating_replaces_the_secret_and_revealing_is_audited(
    session: Session, clock: FixedClock
) -> None:
    site, secret = make_web_site(session)
    admin = make_user(session, role=Role.ADMIN)
    clock.advance(timedelta(days=1))
    rotated = sites.rotate_secret(
        session, site.id, app_secret=TEST_APP_SECRET, clock=clock, actor=admin
    )
    assert rotated.secret != secret
    assert site.secret_issued_at == clock.now()
    revealed = sites.reveal_secret(
        session, site.id, app_secret=TEST_APP_SECRET, clock=clock, actor=admin
    )
    assert revealed.secret == rotated.secret
    assert _actions(session)[-2:] == ["web_site.secret_rotated", "web_site.secret_revealed"]


def test_updating_keeps_key_and_secret(session: Session, clock: FixedClock) -> None:
    site, secret = make_web_site(session)
    key = site.site_key
    owner = make_user(session, role=Role.CX_OWNER)
    sites.update_site(
        session,
        site.id,
        SiteSettings(name="Renamed", allowed_origins=["https://new.example"], is_active=False),
        clock=clock,
        actor=owner,
    )
    assert (site.name, site.allowed_origins, site.is_active) == (
        "Renamed",
        ["https://new.example"],
        False,
    )
    assert site.site_key == key
    assert sites.signing_secret(site, app_secret=TEST_APP_SECRET) == secret
    assert _actions(session)[-1] == "web_site.updated"
    with pytest.raises(NotFound):
        sites.get_site(session, site.id + 1000)
