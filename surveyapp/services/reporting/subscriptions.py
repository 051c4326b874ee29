"""Report subscriptions (service layer): who receives which team's or touchpoint's PDF report.

Managers subscribe to the reports of their own teams (and of the touchpoints those teams
own); admins and CX owners to any. The report is sent by ``report_mail.send_due_reports``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import SUPPORTED_LOCALES
from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.report_periods import Cadence, ReportPeriod, current_period, next_period
from surveyapp.domain.roles import Role
from surveyapp.models import ReportSubscription, Team, Touchpoint, User
from surveyapp.services import audit
from surveyapp.services.errors import NotFound, PermissionDenied, ValidationFailed

log = logging.getLogger(__name__)

# Roles that may subscribe to any team's or touchpoint's report; managers only to their teams'.
ANY_SCOPE_ROLES = frozenset({Role.ADMIN, Role.CX_OWNER})
SUBSCRIBER_ROLES = ANY_SCOPE_ROLES | {Role.MANAGER}


@dataclass(frozen=True)
class Scope:
    """What a report is about: one team or one touchpoint (by id), with its display name."""

    team_id: int | None
    touchpoint_id: int | None
    name: str


@dataclass(frozen=True)
class SubscriptionRow:
    """A subscription as the subscriptions page lists it."""

    id: int
    scope: Scope
    cadence: Cadence
    timezone: str
    locale: str
    next_due_at: datetime
    last_sent_period: str | None
    last_sent_at: datetime | None
    last_error: str | None


def may_subscribe(actor: User) -> bool:
    """Whether ``actor``'s role may subscribe to reports at all."""
    return actor.role in SUBSCRIBER_ROLES


def subscribable_scopes(session: Session, actor: User) -> list[Scope]:
    """The teams, then the touchpoints, whose reports ``actor`` may subscribe to, by name."""
    if not may_subscribe(actor):
        return []
    teams = select(Team).order_by(Team.name)
    touchpoints = select(Touchpoint).order_by(Touchpoint.name)
    if actor.role not in ANY_SCOPE_ROLES:
        team_ids = [team.id for team in actor.teams]
        teams = teams.where(Team.id.in_(team_ids))
        touchpoints = touchpoints.where(Touchpoint.team_id.in_(team_ids))
    return [Scope(team.id, None, team.name) for team in session.scalars(teams)] + [
        Scope(None, touchpoint.id, touchpoint.name) for touchpoint in session.scalars(touchpoints)
    ]


def list_subscriptions(session: Session, actor: User, *, clock: Clock) -> list[SubscriptionRow]:
    """``actor``'s own subscriptions, teams first, each with when its next report is due."""
    rows = session.scalars(
        select(ReportSubscription)
        .where(ReportSubscription.user_id == actor.id)
        .order_by(ReportSubscription.id)
    ).all()
    names = _scope_names(session, rows)
    return [_row(subscription, names, clock.now()) for subscription in rows]


def subscribe(
    session: Session,
    *,
    actor: User,
    team_id: int | None,
    touchpoint_id: int | None,
    cadence: Cadence,
    timezone: str,
    locale: str,
    clock: Clock,
) -> ReportSubscription:
    """Subscribe ``actor`` to the ``cadence`` report of one team or one touchpoint.

    The first report is the one due next (Monday / the 1st at 07:00 in ``timezone``): a
    period that has already begun is not sent. Raises ``PermissionDenied`` (role, or a
    scope not theirs), ``ValidationFailed`` (no or two scopes, unknown time zone or
    language, the same subscription twice). Flushes.
    """
    if (team_id is None) == (touchpoint_id is None):
        raise ValidationFailed.on_field("scope", N_("Choose a team or a touchpoint."))
    if not may_subscribe(actor):
        raise PermissionDenied(N_("Your role cannot subscribe to reports."))
    allowed = {
        (scope.team_id, scope.touchpoint_id) for scope in subscribable_scopes(session, actor)
    }
    if (team_id, touchpoint_id) not in allowed:
        raise PermissionDenied(N_("You may subscribe only to the reports of your own teams."))
    _check_timezone(timezone)
    if locale not in SUPPORTED_LOCALES:
        raise ValidationFailed.on_field("locale", N_("Choose one of the listed languages."))
    if _find_same(session, actor.id, team_id, touchpoint_id, cadence) is not None:
        raise ValidationFailed.on_field("scope", N_("You already receive this report."))
    now = clock.now()
    subscription = ReportSubscription(
        user_id=actor.id,
        team_id=team_id,
        touchpoint_id=touchpoint_id,
        cadence=cadence,
        timezone=timezone,
        locale=locale,
        is_active=True,
        # The period under way began before the subscription: its report is not owed.
        last_sent_period=current_period(cadence, now, timezone).name,
        created_at=now,
    )
    session.add(subscription)
    session.flush()
    audit.record(
        session,
        "report_subscription.created",
        clock=clock,
        actor=actor,
        target=subscription,
        details={"cadence": cadence.value, "team_id": team_id, "touchpoint_id": touchpoint_id},
    )
    log.info("Report subscription %s made by %s", subscription.id, actor.email)
    return subscription


def unsubscribe(session: Session, subscription_id: int, *, actor: User, clock: Clock) -> None:
    """Delete one of ``actor``'s subscriptions; ``NotFound`` for anyone else's. Flushes."""
    subscription = session.get(ReportSubscription, subscription_id)
    if subscription is None or subscription.user_id != actor.id:
        raise NotFound(N_("This subscription does not exist."))
    audit.record(
        session,
        "report_subscription.deleted",
        clock=clock,
        actor=actor,
        target=subscription,
        details={"cadence": subscription.cadence.value},
    )
    session.delete(subscription)
    session.flush()
    log.info("Report subscription %s ended by %s", subscription_id, actor.email)


def due_subscriptions(session: Session, now: datetime) -> list[tuple[int, ReportPeriod]]:
    """Active subscriptions whose current period is due at ``now`` and not yet sent.

    Time zones differ per subscription, so the due check runs here rather than in SQL; there
    is one row per subscriber and scope, a few hundred at most.
    """
    due: list[tuple[int, ReportPeriod]] = []
    for subscription in session.scalars(
        select(ReportSubscription)
        .where(ReportSubscription.is_active.is_(True))
        .order_by(ReportSubscription.id)
    ):
        period = current_period(subscription.cadence, now, subscription.timezone)
        if subscription.last_sent_period != period.name and period.due_at <= now:
            due.append((subscription.id, period))
    return due


def scope_of(session: Session, subscription: ReportSubscription) -> Scope:
    """The team or touchpoint ``subscription`` is about, with its name."""
    return _scope(subscription, _scope_names(session, [subscription]))


def _check_timezone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.on_field(
            "timezone", N_("Choose a time zone from the list.")
        ) from None


def _find_same(
    session: Session, user_id: int, team_id: int | None, touchpoint_id: int | None, cadence: Cadence
) -> ReportSubscription | None:
    query = select(ReportSubscription).where(
        ReportSubscription.user_id == user_id,
        ReportSubscription.cadence == cadence,
        ReportSubscription.team_id.is_(None)
        if team_id is None
        else ReportSubscription.team_id == team_id,
        ReportSubscription.touchpoint_id.is_(None)
        if touchpoint_id is None
        else ReportSubscription.touchpoint_id == touchpoint_id,
    )
    return session.scalars(query).first()


def _scope_names(
    session: Session, subscriptions: Sequence[ReportSubscription]
) -> dict[tuple[str, int], str]:
    team_ids = {row.team_id for row in subscriptions if row.team_id is not None}
    touchpoint_ids = {row.touchpoint_id for row in subscriptions if row.touchpoint_id is not None}
    names: dict[tuple[str, int], str] = {}
    if team_ids:
        for team_id, name in session.execute(
            select(Team.id, Team.name).where(Team.id.in_(team_ids))
        ):
            names["team", team_id] = name
    if touchpoint_ids:
        for touchpoint_id, name in session.execute(
            select(Touchpoint.id, Touchpoint.name).where(Touchpoint.id.in_(touchpoint_ids))
        ):
            names["touchpoint", touchpoint_id] = name
    return names


def _scope(subscription: ReportSubscription, names: dict[tuple[str, int], str]) -> Scope:
    if subscription.team_id is not None:
        name = names.get(("team", subscription.team_id), "")
    else:
        assert subscription.touchpoint_id is not None  # noqa: S101 -- the CHECK constraint
        name = names.get(("touchpoint", subscription.touchpoint_id), "")
    return Scope(subscription.team_id, subscription.touchpoint_id, name)


def _row(
    subscription: ReportSubscription, names: dict[tuple[str, int], str], now: datetime
) -> SubscriptionRow:
    return SubscriptionRow(
        id=subscription.id,
        scope=_scope(subscription, names),
        cadence=subscription.cadence,
        timezone=subscription.timezone,
        locale=subscription.locale,
        next_due_at=_next_due(subscription, now),
        last_sent_period=subscription.last_sent_period,
        last_sent_at=subscription.last_sent_at,
        last_error=subscription.last_error,
    )


def _next_due(subscription: ReportSubscription, now: datetime) -> datetime:
    """When the next report goes out: the current period's if still unsent, else the next's."""
    current = current_period(subscription.cadence, now, subscription.timezone)
    if subscription.last_sent_period != current.name:
        return current.due_at  # due already: the next tick of the job sends it
    return next_period(subscription.cadence, now, subscription.timezone).due_at
