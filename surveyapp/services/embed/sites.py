"""Websites that embed surveys: created by staff, each with a public key and a signing secret.

The signing secret is never stored. Each site keeps a random salt, and the secret is derived
from the installation's secret key and that salt (``domain.embed.site_secret``): the server can
verify signatures and show the secret to admins again, while a copy of the database alone is
not enough to sign as the site. Rotating the secret draws a new salt. Changing the
installation's secret key changes every site secret; ``secret_changed`` notices that.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.embed import (
    THEME_COLOUR,
    Position,
    normalise_origin,
    secret_check,
    site_secret,
)
from surveyapp.domain.i18n import N_
from surveyapp.domain.tokens import generate_token
from surveyapp.models import Response, ResponseStatus, User, WebDisplay, WebSite
from surveyapp.services import audit
from surveyapp.services.errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

KEY_PREFIX = "ws_"
MAX_NAME = 120
MAX_ORIGINS = 20
MAX_ORIGIN = 200  # web_displays.origin keeps the one a survey was shown on
DEFAULT_COLOUR = "#0a58a8"
_BY_KEY = select(WebSite).where(WebSite.site_key == bindparam("site_key"))


@dataclass(frozen=True)
class SiteSettings:
    """What staff set on a site; ``allowed_origins`` as typed (normalised on saving)."""

    name: str
    allowed_origins: Sequence[str]
    theme_colour: str = DEFAULT_COLOUR
    position: Position = Position.BOTTOM_RIGHT
    start_minimized: bool = False
    explain_decisions: bool = False
    is_active: bool = True


@dataclass(frozen=True)
class SiteSecret:
    """A site and its signing secret, to show to the staff member who asked for it."""

    site: WebSite
    secret: str


@dataclass(frozen=True)
class DisplayCounts:
    """What the widget did on a site since a moment: shown, dismissed and answered surveys."""

    shown: int
    dismissed: int
    answered: int


def create_site(
    session: Session, settings: SiteSettings, *, app_secret: str, clock: Clock, actor: User
) -> SiteSecret:
    """Create a site with a new public key and secret; audited as ``web_site.created``.

    ``ValidationFailed`` names each bad field. Flushes.
    """
    origins = _validated(settings)
    now = clock.now()
    site = WebSite(
        site_key=KEY_PREFIX + generate_token(16),
        created_at=now,
        created_by_id=actor.id,
    )
    _apply(site, settings, origins, now)
    secret = _new_secret(site, app_secret, now)
    session.add(site)
    session.flush()
    audit.record(
        session,
        "web_site.created",
        clock=clock,
        actor=actor,
        target=site,
        details={"origins": origins},
    )
    return SiteSecret(site, secret)


def update_site(
    session: Session, site_id: int, settings: SiteSettings, *, clock: Clock, actor: User
) -> WebSite:
    """Change a site's settings (its key and secret stay); audited as ``web_site.updated``."""
    site = get_site(session, site_id)
    origins = _validated(settings)
    _apply(site, settings, origins, clock.now())
    session.flush()
    audit.record(
        session,
        "web_site.updated",
        clock=clock,
        actor=actor,
        target=site,
        details={"origins": origins, "active": settings.is_active},
    )
    return site


def rotate_secret(
    session: Session, site_id: int, *, app_secret: str, clock: Clock, actor: User
) -> SiteSecret:
    """Replace the site's signing secret at once; signatures made with the old one fail.

    Audited as ``web_site.secret_rotated``. Flushes.
    """
    site = get_site(session, site_id)
    secret = _new_secret(site, app_secret, clock.now())
    site.updated_at = clock.now()
    session.flush()
    audit.record(session, "web_site.secret_rotated", clock=clock, actor=actor, target=site)
    return SiteSecret(site, secret)


def reveal_secret(
    session: Session, site_id: int, *, app_secret: str, clock: Clock, actor: User
) -> SiteSecret:
    """The site's current signing secret; every look is audited as ``web_site.secret_revealed``."""
    site = get_site(session, site_id)
    audit.record(session, "web_site.secret_revealed", clock=clock, actor=actor, target=site)
    session.flush()
    return SiteSecret(site, signing_secret(site, app_secret=app_secret))


def signing_secret(site: WebSite, *, app_secret: str) -> str:
    """The secret the company's server signs contact ids with (64 hex digits)."""
    return site_secret(app_secret, site.secret_salt)


def secret_changed(site: WebSite, *, app_secret: str) -> bool:
    """Whether the secret differs from the one issued (the installation's key was changed)."""
    return secret_check(signing_secret(site, app_secret=app_secret)) != site.secret_check


def get_site(session: Session, site_id: int) -> WebSite:
    """The site or ``NotFound``."""
    site = session.get(WebSite, site_id)
    if site is None:
        raise NotFound(N_("This website does not exist."))
    return site


def find_site_by_key(session: Session, site_key: str) -> WebSite | None:
    """The site with this public key (active or not), if any."""
    return session.scalars(_BY_KEY, {"site_key": site_key}).one_or_none()


def list_sites(session: Session) -> Sequence[WebSite]:
    """All sites, active first, by name."""
    query = select(WebSite).order_by(WebSite.is_active.desc(), WebSite.name, WebSite.id)
    return session.scalars(query).all()


def display_counts(session: Session, site_id: int, *, since: datetime) -> DisplayCounts:
    """Surveys the widget showed on the site since ``since``, dismissed and answered ones."""
    answered = func.count(Response.id).filter(
        Response.status.in_((ResponseStatus.PARTIAL, ResponseStatus.COMPLETE))
    )
    row = session.execute(
        select(func.count(WebDisplay.invitation_id), func.count(WebDisplay.dismissed_at), answered)
        .outerjoin(Response, Response.invitation_id == WebDisplay.invitation_id)
        .where(WebDisplay.site_id == site_id, WebDisplay.shown_at >= since)
    ).one()
    return DisplayCounts(shown=row[0], dismissed=row[1], answered=row[2])


def _new_secret(site: WebSite, app_secret: str, now: datetime) -> str:
    site.secret_salt = secrets.token_hex(32)
    secret = site_secret(app_secret, site.secret_salt)
    site.secret_check = secret_check(secret)
    site.secret_issued_at = now
    return secret


def _apply(site: WebSite, settings: SiteSettings, origins: list[str], now: datetime) -> None:
    site.name = settings.name.strip()
    site.allowed_origins = origins
    site.theme_colour = settings.theme_colour.lower()
    site.position = settings.position
    site.start_minimized = settings.start_minimized
    site.explain_decisions = settings.explain_decisions
    site.is_active = settings.is_active
    site.updated_at = now


def _validated(settings: SiteSettings) -> list[str]:
    """The normalised, de-duplicated origins; ``ValidationFailed`` lists every bad field."""
    errors: dict[str, str] = {}
    name = settings.name.strip()
    if not name or len(name) > MAX_NAME:
        errors["name"] = N_("Enter a name of at most 120 characters.")
    origins: list[str] = []
    for line in (line.strip() for line in settings.allowed_origins):
        if not line:
            continue
        origin = normalise_origin(line)
        if origin is None or len(origin) > MAX_ORIGIN:
            errors["allowed_origins"] = N_(
                "Give each origin as https://host or https://host:port, without a path "
                "(http only for localhost)."
            )
            break
        if origin not in origins:
            origins.append(origin)
    if not origins and "allowed_origins" not in errors:
        errors["allowed_origins"] = N_("Give at least one origin the survey may appear on.")
    if len(origins) > MAX_ORIGINS:
        errors["allowed_origins"] = N_("Give at most 20 origins.")
    if not THEME_COLOUR.fullmatch(settings.theme_colour):
        errors["theme_colour"] = N_("Give the colour as #rrggbb, for example #0a58a8.")
    if errors:
        raise ValidationFailed(N_("Please check the website's settings."), errors)
    return origins
