"""Closed-loop figures for a report: time to first action and resolution, SLA, recovery, causes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from surveyapp.domain.case_states import CaseStatus
from surveyapp.domain.metrics import (
    DurationSummary,
    Rate,
    durations,
    recovery_rate,
    within_sla_rate,
)
from surveyapp.models import Case, Invitation, Response, RootCause, SurveyVersion
from surveyapp.models.case_recovery import CaseResurvey
from surveyapp.models.cases import case_root_causes
from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.services.reporting.scope import contact_attribute_matches, day_end, day_start

TOP_ROOT_CAUSES = 5


@dataclass(frozen=True)
class LoopMetrics:
    """Cases opened in the period and how the loop was closed on them.

    Durations are in seconds from opening. ``within_sla`` counts resolved cases resolved by
    their resolution due time. ``recovery`` is among closed cases re-surveyed and answered.
    """

    cases_opened: int
    first_action: DurationSummary
    resolution: DurationSummary
    within_sla: Rate
    recovery: Rate


@dataclass(frozen=True)
class RootCauseCount:
    """How many cases opened in the period were tagged with one root cause."""

    root_cause_id: int
    name: str
    cases: int


def loop_metrics(session: Session, filters: ReportFilters) -> LoopMetrics:
    """Loop figures of the cases opened in the filter's period (two queries)."""
    rows = session.execute(
        _cases_in_scope(
            filters, Case.opened_at, Case.first_action_at, Case.resolved_at, Case.resolution_due_at
        )
    ).all()
    first_action = [
        (acted - opened).total_seconds() for opened, acted, _, _ in rows if acted is not None
    ]
    resolution = [
        (resolved - opened).total_seconds() for opened, _, resolved, _ in rows if resolved
    ]
    on_time = sum(1 for _, _, resolved, due in rows if resolved is not None and resolved <= due)
    answered, recovered = session.execute(
        _cases_in_scope(
            filters,
            func.count(CaseResurvey.id),
            func.count(CaseResurvey.id).filter(CaseResurvey.recovered.is_(True)),
        )
        .join(CaseResurvey, CaseResurvey.case_id == Case.id)
        .where(Case.status == CaseStatus.CLOSED, CaseResurvey.recovered.is_not(None))
    ).one()
    return LoopMetrics(
        cases_opened=len(rows),
        first_action=durations(first_action),
        resolution=durations(resolution),
        within_sla=within_sla_rate(on_time, len(resolution)),
        recovery=recovery_rate(int(recovered or 0), int(answered or 0)),
    )


def top_root_causes(
    session: Session, filters: ReportFilters, *, limit: int = TOP_ROOT_CAUSES
) -> list[RootCauseCount]:
    """The root causes most often tagged on cases opened in the period, most frequent first."""
    cases = func.count(Case.id)
    query = (
        _cases_in_scope(filters, RootCause.id, RootCause.name, cases)
        .join(case_root_causes, case_root_causes.c.case_id == Case.id)
        .join(RootCause, RootCause.id == case_root_causes.c.root_cause_id)
        .group_by(RootCause.id, RootCause.name)
        .order_by(cases.desc(), RootCause.name)
        .limit(limit)
    )
    return [RootCauseCount(*row) for row in session.execute(query)]


def _cases_in_scope(filters: ReportFilters, *columns: Any) -> Select[Any]:
    query = (
        select(*columns)
        .select_from(Case)
        .where(Case.opened_at >= day_start(filters.date_from))
        .where(Case.opened_at < day_end(filters.date_to))
    )
    if filters.touchpoint_id is not None:
        query = query.where(Case.touchpoint_id == filters.touchpoint_id)
    if filters.team_id is not None:
        query = query.where(Case.team_id == filters.team_id)
    if _needs_response(filters):
        query = query.join(Response, Response.id == Case.response_id)
        if filters.channel is not None:
            query = query.where(Response.channel == filters.channel)
        if filters.locale is not None:
            query = query.where(Response.locale == filters.locale)
        if filters.survey_id is not None:
            query = query.join(SurveyVersion, SurveyVersion.id == Response.survey_version_id)
            query = query.where(SurveyVersion.survey_id == filters.survey_id)
        if filters.attribute is not None:
            query = query.outerjoin(Invitation, Invitation.id == Response.invitation_id)
            query = query.where(
                contact_attribute_matches(filters.attribute, filters.attribute_value or "")
            )
    return query


def _needs_response(filters: ReportFilters) -> bool:
    return any(
        value is not None
        for value in (filters.channel, filters.locale, filters.survey_id, filters.attribute)
    )
