"""Score and delivery counts for a report's filters, from the rollups or from the responses.

Both sources answer the same question (how many counted responses gave each score, per day
and rating type) so every figure is computed by the same histogram functions
(``domain.metrics``) whichever source served it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from surveyapp.models import (
    DailyDeliveryRollup,
    DailyScoreRollup,
    Interaction,
    Invitation,
    Response,
    SurveyVersion,
)
from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.services.reporting.scope import (
    answered_response_id,
    contact_attribute_matches,
    counted_responses,
    day_end,
    day_start,
    delivered_invitations,
    rating_type_of_response,
    response_touchpoint_id,
    team_touchpoints,
    utc_day,
    week_monday,
)

Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class ScoreCount:
    """``responses`` counted responses gave ``score`` on ``day`` (UTC) to a ``rating_type``."""

    day: date
    rating_type: str
    score: int
    responses: int


@dataclass(frozen=True)
class GroupedScoreCount:
    """Counts of one score per touchpoint and survey (for the journey view)."""

    touchpoint_id: int | None
    survey_id: int
    rating_type: str
    score: int
    responses: int


def score_counts(
    session: Session, filters: ReportFilters, first: date, last: date
) -> list[ScoreCount]:
    """Counted responses per UTC day, rating type and score from ``first`` to ``last``.

    Reads the daily rollups, or the responses themselves when a contact attribute narrows
    the report (the rollups do not know contacts). One query.
    """
    query: Select[*tuple[Any, ...]]
    if filters.needs_raw_responses:
        day = utc_day(Response.started_at)
        rating = rating_type_of_response()
        query = raw_scope(
            counted_responses(day, rating, Response.score, func.count()), filters, first, last
        ).group_by(day, rating, Response.score)
    else:
        rollup = DailyScoreRollup
        query = _rollup_scope(
            select(rollup.day, rollup.rating_type, rollup.score, func.sum(rollup.responses)),
            rollup,
            filters,
            first,
            last,
        ).group_by(rollup.day, rollup.rating_type, rollup.score)
    return [ScoreCount(*row) for row in session.execute(query)]


def score_counts_by_touchpoint(session: Session, filters: ReportFilters) -> list[GroupedScoreCount]:
    """Counted responses per touchpoint, survey, rating type and score over the filter's period."""
    first, last = filters.date_from, filters.date_to
    query: Select[*tuple[Any, ...]]
    if filters.needs_raw_responses:
        touchpoint = response_touchpoint_id()
        rating = rating_type_of_response()
        keys: Sequence[Any] = (touchpoint, SurveyVersion.survey_id, rating, Response.score)
        query = raw_scope(counted_responses(*keys, func.count()), filters, first, last)
    else:
        rollup = DailyScoreRollup
        keys = (rollup.touchpoint_id, rollup.survey_id, rollup.rating_type, rollup.score)
        summed: Select[*tuple[Any, ...]] = select(*keys, func.sum(rollup.responses))
        query = _rollup_scope(summed, rollup, filters, first, last)
    return [GroupedScoreCount(*row) for row in session.execute(query.group_by(*keys))]


@dataclass(frozen=True)
class TouchpointWeekCount:
    """Counted responses of one rating type giving ``score`` at a touchpoint in an ISO week."""

    touchpoint_id: int | None
    week_start: date
    score: int
    responses: int


def weekly_counts_by_touchpoint(
    session: Session, filters: ReportFilters, rating_type: str
) -> list[TouchpointWeekCount]:
    """Counts of one rating type per touchpoint, ISO week (Monday) and score (one query).

    Weeks are grouped in SQL, so a year of ten touchpoints returns a few thousand rows however
    many responses stand behind them. Weeks are cut to the filter's period.
    """
    first, last = filters.date_from, filters.date_to
    query: Select[*tuple[Any, ...]]
    if filters.needs_raw_responses:
        touchpoint, week = response_touchpoint_id(), week_monday(utc_day(Response.started_at))
        keys: Sequence[Any] = (touchpoint, week, Response.score)
        query = raw_scope(counted_responses(*keys, func.count()), filters, first, last)
        query = query.where(rating_type_of_response() == rating_type)
    else:
        rollup = DailyScoreRollup
        keys = (rollup.touchpoint_id, week_monday(rollup.day), rollup.score)
        summed: Select[*tuple[Any, ...]] = select(*keys, func.sum(rollup.responses))
        query = _rollup_scope(summed, rollup, filters, first, last)
        query = query.where(rollup.rating_type == rating_type)
    return [TouchpointWeekCount(*row) for row in session.execute(query.group_by(*keys))]


def answered_interaction_figures(
    session: Session, filters: ReportFilters, *aggregates: Any
) -> list[tuple[Any, ...]]:
    """``aggregates`` over the interactions behind counted responses, per touchpoint.

    Reads the responses (operational facts live on interactions, not in the rollups); rows
    are ``(touchpoint_id, *aggregates)`` for touchpoints with answered interactions.
    """
    touchpoint = response_touchpoint_id()
    query = raw_scope(
        counted_responses(touchpoint, *aggregates), filters, filters.date_from, filters.date_to
    ).where(Interaction.id.is_not(None))
    return [tuple(row) for row in session.execute(query.group_by(touchpoint))]


def delivered_and_answered(session: Session, filters: ReportFilters) -> tuple[int, int]:
    """Invitations delivered (sent, not failed) in the filter's period, and how many answered.

    Counted by the invitations' send day: the response rate's numerator and denominator
    describe the same invitations, so the rate never passes 100 %.
    """
    if filters.needs_raw_responses:
        query = delivered_invitations(func.count(), func.count(answered_response_id())).where(
            Invitation.sent_at >= day_start(filters.date_from),
            Invitation.sent_at < day_end(filters.date_to),
        )
        query = _dimension_filters(
            query,
            filters,
            touchpoint=response_touchpoint_id(),
            survey=SurveyVersion.survey_id,
            channel=Invitation.channel,
            locale=Invitation.locale,
        )
        query = query.where(
            contact_attribute_matches(filters.attribute or "", filters.attribute_value or "")
        )
        delivered, answered = session.execute(query).one()
        return int(delivered), int(answered)
    rollup = DailyDeliveryRollup
    totals = _rollup_scope(
        select(
            func.coalesce(func.sum(rollup.delivered), 0),
            func.coalesce(func.sum(rollup.answered), 0),
        ),
        rollup,
        filters,
        filters.date_from,
        filters.date_to,
    )
    delivered, answered = session.execute(totals).one()
    return int(delivered), int(answered)


def _rollup_scope(
    query: Select[*Ts],
    rollup: type[DailyScoreRollup] | type[DailyDeliveryRollup],
    filters: ReportFilters,
    first: date,
    last: date,
) -> Select[*Ts]:
    query = query.where(rollup.day >= first, rollup.day <= last)
    return _dimension_filters(
        query,
        filters,
        touchpoint=rollup.touchpoint_id,
        survey=rollup.survey_id,
        channel=rollup.channel,
        locale=rollup.locale,
    )


def raw_scope(query: Select[*Ts], filters: ReportFilters, first: date, last: date) -> Select[*Ts]:
    """``query`` over responses narrowed to ``first``..``last`` and the filters' dimensions."""
    query = query.where(
        Response.started_at >= day_start(first), Response.started_at < day_end(last)
    )
    query = _dimension_filters(
        query,
        filters,
        touchpoint=response_touchpoint_id(),
        survey=SurveyVersion.survey_id,
        channel=Response.channel,
        locale=Response.locale,
    )
    if filters.attribute is not None:
        query = query.where(
            contact_attribute_matches(filters.attribute, filters.attribute_value or "")
        )
    return query


def _dimension_filters(
    query: Select[*Ts],
    filters: ReportFilters,
    *,
    touchpoint: ColumnElement[Any] | Any,
    survey: ColumnElement[Any] | Any,
    channel: ColumnElement[Any] | Any,
    locale: ColumnElement[Any] | Any,
) -> Select[*Ts]:
    if filters.touchpoint_id is not None:
        query = query.where(touchpoint == filters.touchpoint_id)
    if filters.team_id is not None:
        query = query.where(touchpoint.in_(team_touchpoints(filters.team_id)))
    if filters.survey_id is not None:
        query = query.where(survey == filters.survey_id)
    if filters.channel is not None:
        query = query.where(channel == filters.channel.value)
    if filters.locale is not None:
        query = query.where(locale == filters.locale)
    return query
