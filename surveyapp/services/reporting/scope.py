"""Which responses and deliveries count in reports, and the UTC day of a timestamp in SQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, Select, and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from surveyapp.domain.states import InvitationState
from surveyapp.models import (
    Contact,
    Interaction,
    Invitation,
    Response,
    ResponseStatus,
    SurveyVersion,
    Touchpoint,
    TriggerRule,
)


class utc_day(FunctionElement[date]):  # noqa: N801 -- reads as the SQL function it renders
    """The UTC calendar day of a timestamp column, on SQLite and PostgreSQL."""

    type = Date()
    inherit_cache = True
    name = "utc_day"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC timestamps as ISO text without an offset (models.base.UTCDateTime).
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC' AS DATE)"


class week_monday(FunctionElement[date]):  # noqa: N801 -- reads as the SQL function it renders
    """The Monday starting the ISO week of a date column (weeks start on Monday)."""

    type = Date()
    inherit_cache = True
    name = "week_monday"


@compiles(week_monday, "sqlite")
def _week_monday_sqlite(element: week_monday, compiler: SQLCompiler, **kw: Any) -> str:
    # Six days back, then forward to the next Monday: the Monday on or before the day.
    return f"date({compiler.process(element.clauses, **kw)}, '-6 days', 'weekday 1')"


@compiles(week_monday, "postgresql")
def _week_monday_postgresql(element: week_monday, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of ``day``."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def day_end(day: date) -> datetime:
    """Midnight UTC at the end of ``day`` (exclusive bound)."""
    return day_start(day + timedelta(days=1))


def rating_type_of_response() -> ColumnElement[str]:
    """``nps``, ``csat`` or ``ces``: which derived field the response's rating filled."""
    return case(
        (Response.nps_category.is_not(None), "nps"),
        (Response.csat_satisfied.is_not(None), "csat"),
        (Response.ces_easy.is_not(None), "ces"),
        else_="other",
    )


def response_touchpoint_id() -> ColumnElement[int | None]:
    """The touchpoint a response belongs to: its interaction's, else its trigger rule's."""
    return func.coalesce(Interaction.touchpoint_id, TriggerRule.touchpoint_id)


def counted_responses(*columns: Any) -> Select[Any]:
    """``columns`` of the responses reports count, joined to survey version and touchpoint.

    A response counts once it has a rating and is not a link scanner's (voided): the same
    responses as the staff response list with a score (``services.responses``). Provisional
    scores count: a person chose them on a page really shown (DESIGN.md §5).
    """
    return (
        select(*columns)
        .select_from(Response)
        .join(SurveyVersion, Response.survey_version_id == SurveyVersion.id)
        .outerjoin(Invitation, Response.invitation_id == Invitation.id)
        .outerjoin(Interaction, Invitation.interaction_id == Interaction.id)
        .outerjoin(TriggerRule, Invitation.trigger_rule_id == TriggerRule.id)
        .where(Response.status != ResponseStatus.VOIDED, Response.score.is_not(None))
    )


# Invitations that reached the customer: sent, and not failed afterwards (DESIGN.md §6).
DELIVERED_STATES = (InvitationState.SENT, InvitationState.ANSWERED, InvitationState.EXPIRED)


def delivered_invitations(*columns: Any) -> Select[Any]:
    """``columns`` of delivered invitations (sent, not failed), joined to their touchpoint.

    Each row carries its counted response, if any (one response per invitation at most), so
    ``func.count(answered_response_id())`` counts the answered ones.
    """
    return (
        select(*columns)
        .select_from(Invitation)
        .join(SurveyVersion, Invitation.survey_version_id == SurveyVersion.id)
        .outerjoin(Interaction, Invitation.interaction_id == Interaction.id)
        .outerjoin(TriggerRule, Invitation.trigger_rule_id == TriggerRule.id)
        .outerjoin(
            Response,
            and_(
                Response.invitation_id == Invitation.id,
                Response.status != ResponseStatus.VOIDED,
                Response.score.is_not(None),
            ),
        )
        .where(Invitation.sent_at.is_not(None), Invitation.state.in_(DELIVERED_STATES))
    )


def answered_response_id() -> ColumnElement[int]:
    """The counted response of a row of ``delivered_invitations`` (NULL when unanswered)."""
    return Response.id.expression


def team_touchpoints(team_id: int) -> Select[Any]:
    """Ids of the touchpoints a team owns (for ``IN`` filters)."""
    return select(Touchpoint.id).where(Touchpoint.team_id == team_id)


def contact_attribute_matches(name: str, value: str) -> ColumnElement[bool]:
    """Whether the invitation's contact has attribute ``name`` equal to ``value`` (as text)."""
    return Invitation.contact_id.in_(
        select(Contact.id).where(Contact.attributes[name].as_string() == value)
    )
