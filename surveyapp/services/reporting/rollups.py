"""Daily rollups of scores and deliveries: kept current from a watermark, rebuildable at will.

The dashboard reads these instead of the responses: a year of one touchpoint is a few
thousand rollup rows instead of a hundred thousand responses. Nothing here runs on the answer
path; the ``reports.refresh_rollups`` job calls ``refresh_rollups`` every minute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.models import (
    DailyDeliveryRollup,
    DailyScoreRollup,
    Invitation,
    Response,
    RollupState,
    SurveyVersion,
)
from surveyapp.services._db import plan_for_values
from surveyapp.services.reporting.scope import (
    answered_response_id,
    counted_responses,
    day_end,
    day_start,
    delivered_invitations,
    rating_type_of_response,
    response_touchpoint_id,
    utc_day,
)

SCORES = "scores"
DELIVERIES = "deliveries"
# A write committed a little after the clock time it stamped must still be picked up: every
# refresh looks this far behind its previous watermark (re-aggregating a day is idempotent).
SETTLING_TIME = timedelta(minutes=2)
# A full rebuild aggregates the history in chunks of this many days: each chunk is one
# indexed range scan and GROUP BY, and the CLI's progress bar moves after each.
REBUILD_CHUNK_DAYS = 31


@dataclass(frozen=True)
class RefreshTally:
    """What one refresh did: the UTC days re-aggregated, per rollup."""

    score_days: int
    delivery_days: int


@dataclass(frozen=True)
class RollupFreshness:
    """Up to when the rollups hold every change (``None``: never built)."""

    refreshed_at: datetime | None
    watermark: datetime | None


def refresh_rollups(session: Session, *, clock: Clock) -> RefreshTally:
    """Re-aggregate every UTC day whose responses or deliveries changed since the watermark.

    Without a watermark (first run) everything is rebuilt. Idempotent and safe to run on
    several workers at once (each day's rows are deleted and re-inserted in one transaction;
    the caller commits). Moves each watermark to the refresh's start minus ``SETTLING_TIME``.
    """
    plan_for_values(session)
    now = clock.now()
    # Row locks serialise refreshers on PostgreSQL: two workers re-aggregating the same day
    # at once would each insert its rows (SQLite's writer lock serialises them anyway).
    score_state = session.get(RollupState, SCORES, with_for_update=True)
    delivery_state = session.get(RollupState, DELIVERIES, with_for_update=True)
    if score_state is None or delivery_state is None:
        return rebuild_rollups(session, clock=clock)
    score_days = _changed_response_days(session, score_state.watermark)
    for day in score_days:
        _rebuild_score_days(session, day, day)
    delivery_days = _changed_delivery_days(session, delivery_state.watermark)
    for day in delivery_days:
        _rebuild_delivery_days(session, day, day)
    _mark(session, SCORES, now)
    _mark(session, DELIVERIES, now)
    session.flush()
    return RefreshTally(len(score_days), len(delivery_days))


def rebuild_rollups(
    session: Session,
    *,
    clock: Clock,
    on_chunk: Callable[[int], None] | None = None,
) -> RefreshTally:
    """Rebuild both rollups from the responses and invitations (``flask reports rebuild-rollups``).

    Deletes every rollup row and aggregates the whole history again, ``REBUILD_CHUNK_DAYS``
    at a time; ``on_chunk(days)`` is called after each chunk (a progress bar). Flushes; the
    caller commits. Returns how many days the history spans.
    """
    plan_for_values(session)
    now = clock.now()
    session.execute(delete(DailyScoreRollup))
    session.execute(delete(DailyDeliveryRollup))
    first, last = _history_span(session)
    days = 0
    if first is not None and last is not None:
        for start, end in _chunks(first, last):
            _rebuild_score_days(session, start, end)
            _rebuild_delivery_days(session, start, end)
            days += (end - start).days + 1
            if on_chunk is not None:
                on_chunk((end - start).days + 1)
    _mark(session, SCORES, now)
    _mark(session, DELIVERIES, now)
    session.flush()
    return RefreshTally(days, days)


def history_span(session: Session) -> tuple[date | None, date | None]:
    """First and last UTC day holding a response or a delivery (``None``s when empty)."""
    return _history_span(session)


def rollup_freshness(session: Session) -> RollupFreshness:
    """When the score rollup was last refreshed, and the watermark it holds everything up to."""
    state = session.get(RollupState, SCORES)
    if state is None:
        return RollupFreshness(None, None)
    return RollupFreshness(state.refreshed_at, state.watermark)


def _history_span(session: Session) -> tuple[date | None, date | None]:
    responses = session.execute(
        select(func.min(Response.started_at), func.max(Response.started_at))
    )
    first_response, last_response = responses.one()
    sent = session.execute(select(func.min(Invitation.sent_at), func.max(Invitation.sent_at)))
    first_sent, last_sent = sent.one()
    starts = [stamp.date() for stamp in (first_response, first_sent) if stamp is not None]
    ends = [stamp.date() for stamp in (last_response, last_sent) if stamp is not None]
    return (min(starts) if starts else None, max(ends) if ends else None)


def _chunks(first: date, last: date) -> Iterable[tuple[date, date]]:
    start = first
    while start <= last:
        end = min(start + timedelta(days=REBUILD_CHUNK_DAYS - 1), last)
        yield start, end
        start = end + timedelta(days=1)


def _changed_response_days(session: Session, watermark: datetime) -> list[date]:
    # Uses ix_responses_updated_at; the few changed rows name the days to re-aggregate.
    query = select(Response.started_at).where(Response.updated_at >= watermark - SETTLING_TIME)
    return sorted({stamp.date() for stamp in session.scalars(query)})


def _changed_delivery_days(session: Session, watermark: datetime) -> list[date]:
    # A delivery day changes when an invitation is sent, and again when one sent that day is
    # answered (its response counts in the day's ``answered``).
    since = watermark - SETTLING_TIME
    sent = select(Invitation.sent_at).where(Invitation.sent_at >= since)
    answered = (
        select(Invitation.sent_at)
        .join(Response, Response.invitation_id == Invitation.id)
        .where(Response.updated_at >= since)
    )
    stamps = [*session.scalars(sent), *session.scalars(answered)]
    return sorted({stamp.date() for stamp in stamps if stamp is not None})


def _rebuild_score_days(session: Session, first: date, last: date) -> None:
    """Replace the score rollup rows of ``first``..``last`` by a fresh aggregate."""
    session.execute(delete(DailyScoreRollup).where(DailyScoreRollup.day.between(first, last)))
    day: ColumnElement[date] = (
        utc_day(Response.started_at) if first != last else literal(first, DailyScoreRollup.day.type)
    )
    rating_type = rating_type_of_response()
    touchpoint = response_touchpoint_id()
    source = (
        counted_responses(
            day,
            touchpoint,
            SurveyVersion.survey_id,
            Response.channel,
            Response.locale,
            rating_type,
            Response.score,
            func.count(),
        )
        .where(Response.started_at >= day_start(first), Response.started_at < day_end(last))
        .group_by(day, touchpoint, SurveyVersion.survey_id, Response.channel, Response.locale)
        .group_by(rating_type, Response.score)
    )
    columns = ["day", "touchpoint_id", "survey_id", "channel", "locale", "rating_type", "score"]
    session.execute(insert(DailyScoreRollup).from_select([*columns, "responses"], source))


def _rebuild_delivery_days(session: Session, first: date, last: date) -> None:
    """Replace the delivery rollup rows of ``first``..``last`` by a fresh aggregate."""
    session.execute(delete(DailyDeliveryRollup).where(DailyDeliveryRollup.day.between(first, last)))
    day: ColumnElement[date] = (
        utc_day(Invitation.sent_at)
        if first != last
        else literal(first, DailyDeliveryRollup.day.type)
    )
    touchpoint = response_touchpoint_id()
    locale = func.coalesce(Invitation.locale, "")
    source = (
        delivered_invitations(
            day,
            touchpoint,
            SurveyVersion.survey_id,
            Invitation.channel,
            locale,
            func.count(),
            func.count(answered_response_id()),
        )
        .where(Invitation.sent_at >= day_start(first), Invitation.sent_at < day_end(last))
        .group_by(day, touchpoint, SurveyVersion.survey_id, Invitation.channel, locale)
    )
    columns = ["day", "touchpoint_id", "survey_id", "channel", "locale", "delivered", "answered"]
    session.execute(insert(DailyDeliveryRollup).from_select(columns, source))


def _mark(session: Session, name: str, now: datetime) -> None:
    state = session.get(RollupState, name)
    if state is None:
        session.add(RollupState(name=name, watermark=now, refreshed_at=now))
    else:
        state.watermark = now
        state.refreshed_at = now
