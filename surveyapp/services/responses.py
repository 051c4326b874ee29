"""Staff reading responses: filtered, cursor-paginated lists and single responses."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.orm import Session, joinedload

from surveyapp.domain.i18n import N_
from surveyapp.domain.scoring import NpsCategory
from surveyapp.models import (
    Case,
    Channel,
    Interaction,
    Invitation,
    Response,
    ResponseStatus,
    SurveyVersion,
    Touchpoint,
    TriggerRule,
    User,
)
from surveyapp.services.cases import access as case_access
from surveyapp.services.errors import NotFound, PermissionDenied, ValidationFailed
from surveyapp.services.reporting import scope

PAGE_SIZE = 50
BANDS = ("promoter", "passive", "detractor", "unhappy", "not_unhappy")


@dataclass(frozen=True)
class ResponseFilters:
    """What a list narrows responses to; ``None`` means any. Dates are UTC days.

    ``since`` (timezone-aware) keeps responses started or changed at or after that instant
    (``updated_at >= since``), so an integrator syncing from its last run misses no update.
    """

    survey_id: int | None = None
    channel: Channel | None = None
    band: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    has_comment: bool | None = None
    locale: str | None = None
    since: datetime | None = None
    # Reports drill down to the responses behind a figure (services.reporting.drilldown):
    # only counted ratings of one type (and score), at a touchpoint or a team's touchpoints,
    # from contacts with an attribute value.
    touchpoint_id: int | None = None
    team_id: int | None = None
    rating_type: str | None = None  # nps, csat, ces, or "counted" (any rating)
    score: int | None = None
    contact_attribute: tuple[str, str] | None = None


@dataclass(frozen=True)
class ResponsePage:
    """One page of responses, newest first, and the cursor of the next page (if any)."""

    items: Sequence[Response]
    next_cursor: str | None


def list_responses(
    session: Session,
    filters: ResponseFilters,
    *,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    viewer: User | None = None,
) -> ResponsePage:
    """Responses matching ``filters``, newest first, ``limit`` per page (keyset pagination).

    Voided (link scanner) responses are never listed. With a ``viewer``, only the responses
    they may read (``readable_by``). Raises ``ValidationFailed`` for a malformed cursor or band.
    """
    query = _filtered(filters).options(joinedload(Response.survey_version))
    if viewer is not None:
        query = query.where(readable_by(viewer))
    if cursor:
        started_at, response_id = _decode_cursor(cursor)
        query = query.where(
            or_(
                Response.started_at < started_at,
                and_(Response.started_at == started_at, Response.id < response_id),
            )
        )
    query = query.order_by(Response.started_at.desc(), Response.id.desc()).limit(limit + 1)
    rows = session.scalars(query).all()
    items = rows[:limit]
    next_cursor = _encode_cursor(items[-1]) if len(rows) > limit else None
    return ResponsePage(items=items, next_cursor=next_cursor)


def get_response(session: Session, response_id: int, *, viewer: User | None = None) -> Response:
    """The response with ``response_id`` or ``NotFound``.

    With a ``viewer`` who may not read it (``readable_by``), ``PermissionDenied``.
    """
    response = session.get(Response, response_id)
    if response is None:
        raise NotFound(N_("This response does not exist."))
    if viewer is not None:
        readable = select(Response.id).where(Response.id == response_id, readable_by(viewer))
        if session.scalar(readable) is None:
            raise PermissionDenied(N_("This response belongs to another team."))
    return response


def readable_by(viewer: User) -> ColumnElement[bool]:
    """SQL condition on ``Response``: the responses ``viewer`` may read.

    Managers and agents read the responses given at their teams' touchpoints and those that
    opened a case they may open (``services/cases/access.py``); other roles read all.
    """
    if viewer.role not in case_access.TEAM_BOUND_READERS:
        return true()
    teams = case_access.team_ids(viewer)
    # correlate(None): the outer query may join the same tables for its own filters.
    team_invitations = (
        select(Invitation.id)
        .outerjoin(Interaction, Invitation.interaction_id == Interaction.id)
        .outerjoin(TriggerRule, Invitation.trigger_rule_id == TriggerRule.id)
        .where(
            scope.response_touchpoint_id().in_(
                select(Touchpoint.id).where(Touchpoint.team_id.in_(teams))
            )
        )
        .correlate(None)
    )
    case_responses = select(Case.response_id).where(case_access.readable_by(viewer))
    return or_(
        Response.invitation_id.in_(team_invitations),
        Response.id.in_(case_responses.correlate(None)),
    )


def _filtered(filters: ResponseFilters) -> Select[Response]:
    query = select(Response).where(Response.status != ResponseStatus.VOIDED)
    if filters.survey_id is not None:
        query = query.join(SurveyVersion).where(SurveyVersion.survey_id == filters.survey_id)
    if filters.channel is not None:
        query = query.where(Response.channel == filters.channel)
    if filters.band is not None:
        query = query.where(_band_condition(filters.band))
    if filters.date_from is not None:
        query = query.where(Response.started_at >= _day_start(filters.date_from))
    if filters.date_to is not None:
        query = query.where(Response.started_at < _day_start(filters.date_to + timedelta(days=1)))
    if filters.has_comment is not None:
        query = query.where(Response.has_comment.is_(filters.has_comment))
    if filters.locale is not None:
        query = query.where(Response.locale == filters.locale)
    if filters.since is not None:
        query = query.where(Response.updated_at >= filters.since)
    return _report_filtered(query, filters)


def _report_filtered(query: Select[Response], filters: ResponseFilters) -> Select[Response]:
    """The drill-down filters of reports, in their terms (``services.reporting.scope``)."""
    if filters.rating_type == "counted":
        query = query.where(Response.score.is_not(None))
    elif filters.rating_type is not None:
        query = query.where(scope.rating_type_of_response() == filters.rating_type)
    if filters.score is not None:
        query = query.where(Response.score == filters.score)
    if (
        filters.touchpoint_id is None
        and filters.team_id is None
        and filters.contact_attribute is None
    ):
        return query
    query = query.outerjoin(Invitation, Response.invitation_id == Invitation.id)
    query = query.outerjoin(Interaction, Invitation.interaction_id == Interaction.id)
    query = query.outerjoin(TriggerRule, Invitation.trigger_rule_id == TriggerRule.id)
    touchpoint = scope.response_touchpoint_id()
    if filters.touchpoint_id is not None:
        query = query.where(touchpoint == filters.touchpoint_id)
    if filters.team_id is not None:
        query = query.where(touchpoint.in_(scope.team_touchpoints(filters.team_id)))
    if filters.contact_attribute is not None:
        query = query.where(scope.contact_attribute_matches(*filters.contact_attribute))
    return query


def _band_condition(band: str):  # type: ignore[no-untyped-def]  # a SQL expression
    if band in {"promoter", "passive", "detractor"}:
        return Response.nps_category == NpsCategory(band)
    if band == "unhappy":
        return Response.is_unhappy.is_(True)
    if band == "not_unhappy":
        return and_(Response.is_unhappy.is_(False), Response.score.is_not(None))
    raise ValidationFailed.on_field("band", N_("Unknown score band."))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _encode_cursor(response: Response) -> str:
    raw = f"{response.started_at.isoformat()}|{response.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, response_id = raw.split("|")
        started_at = datetime.fromisoformat(stamp)
        if started_at.tzinfo is None:
            raise ValueError("naive cursor")
        return started_at, int(response_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed.on_field("cursor", N_("This page link is not valid.")) from None
