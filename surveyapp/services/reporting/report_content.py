"""What a PDF report shows (service layer): the dashboard's figures plus cases and verbatims.

``build_report`` gathers plain data for one team, touchpoint or any dashboard filter (reads
only); ``render_report`` turns it into the PDF in the reader's language through
``pdf.render_pdf``. The figures are the dashboard's own (``dashboard.dashboard_summary``), so
a report never disagrees with the page it was downloaded from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_interval
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from surveyapp.domain.case_states import OPEN_STATUSES
from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.scoring import NpsCategory, QuestionType
from surveyapp.domain.survey_definition import from_document
from surveyapp.models import Case, Response, SurveyVersion, Team, Touchpoint, User
from surveyapp.services.mail.rendering import catalogue_locale, translate
from surveyapp.services.reporting import exports
from surveyapp.services.reporting.dashboard import DashboardSummary, dashboard_summary
from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.services.reporting.pdf import render_pdf
from surveyapp.services.reporting.report_charts import report_charts

VERBATIMS_PER_SIDE = 3
VERBATIM_LENGTH = 400
CASES_LISTED = 10
TEMPLATE = "feedback.html"


@dataclass(frozen=True)
class Verbatim:
    """One customer's comment, cut to ``VERBATIM_LENGTH`` characters."""

    score: int | None
    text: str
    locale: str
    day: date


@dataclass(frozen=True)
class CaseLine:
    """An open case as the report lists it."""

    case_id: int
    opened_at: datetime
    topic: str
    owner: str | None
    due_at: datetime
    is_overdue: bool


@dataclass(frozen=True)
class CaseOverview:
    """Cases in the report's scope open at the time of the report (whatever their age)."""

    open: int
    overdue: int
    listed: tuple[CaseLine, ...]


@dataclass(frozen=True)
class ReportContent:
    """Everything a report shows, as plain data; ``timezone`` is the reader's, for times."""

    title: str
    filters: ReportFilters
    summary: DashboardSummary
    cases: CaseOverview
    detractors: tuple[Verbatim, ...]
    promoters: tuple[Verbatim, ...]
    generated_at: datetime
    timezone: str


def report_title(session: Session, filters: ReportFilters, *, locale: str) -> str:
    """The report's heading: its touchpoint's or team's name, else "All feedback"."""
    if filters.touchpoint_id is not None:
        touchpoint = session.get(Touchpoint, filters.touchpoint_id)
        if touchpoint is not None:
            return touchpoint.name
    if filters.team_id is not None:
        team = session.get(Team, filters.team_id)
        return team.name if team is not None else translate(N_("No team"), locale=locale)
    return translate(N_("All feedback"), locale=locale)


def build_report(
    session: Session, filters: ReportFilters, *, title: str, timezone: str, clock: Clock
) -> ReportContent:
    """The content of the report on ``filters`` at ``clock.now()``; a bounded number of reads.

    KPIs, trends, distributions, response rate, loop metrics and root causes come from the
    dashboard summary; open and overdue cases are counted now; verbatims are the newest
    comments of the period from detractors (unhappy answers) and promoters (happy answers).
    """
    now = clock.now()
    return ReportContent(
        title=title,
        filters=filters,
        summary=dashboard_summary(session, filters, clock=clock),
        cases=_case_overview(session, filters, now),
        detractors=_verbatims(session, filters, happy=False),
        promoters=_verbatims(session, filters, happy=True),
        generated_at=now,
        timezone=timezone,
    )


def report_pdf(
    session: Session, filters: ReportFilters, *, locale: str, timezone: str, clock: Clock
) -> tuple[bytes, str]:
    """The PDF report on ``filters`` titled after its team or touchpoint, and its file name.

    What the dashboard's "Download PDF" serves. Reads only.
    """
    title = report_title(session, filters, locale=locale)
    content = build_report(session, filters, title=title, timezone=timezone, clock=clock)
    return render_report(content, locale=locale), report_filename(content)


def render_report(content: ReportContent, *, locale: str) -> bytes:
    """The PDF of ``content`` in ``locale`` (A4, page numbers, the app's own fonts)."""
    locale = catalogue_locale(locale)
    return render_pdf(TEMPLATE, report_context(content, locale=locale), locale=locale)


def report_context(content: ReportContent, *, locale: str) -> dict[str, Any]:
    """What ``TEMPLATE`` renders: the content, its charts and its periods in ``locale``."""
    return {
        "report": content,
        "summary": content.summary,
        "charts": report_charts(content.summary, locale=locale),
        "period": period_label(content.filters.date_from, content.filters.date_to, locale),
        "previous_period": period_label(
            content.summary.previous.date_from, content.summary.previous.date_to, locale
        ),
    }


def period_label(first: date, last: date, locale: str) -> str:
    """``16–22 Nov 2026`` in ``locale``'s words (one day: that day)."""
    if first == last:
        return format_date(first, "medium", locale=locale)
    return format_interval(first, last, "yMMMd", locale=locale)


def report_filename(content: ReportContent) -> str:
    """``feedback-report-2026-09-01-to-2026-11-29.pdf``: ASCII only, safe in a header."""
    filters = content.filters
    return f"feedback-report-{filters.date_from.isoformat()}-to-{filters.date_to.isoformat()}.pdf"


def _case_overview(session: Session, filters: ReportFilters, now: datetime) -> CaseOverview:
    overdue = or_(
        and_(Case.first_action_at.is_(None), Case.first_action_due_at < now),
        Case.resolution_due_at < now,
    )
    scope: list[ColumnElement[bool]] = [Case.status.in_(OPEN_STATUSES)]
    if filters.team_id is not None:
        scope.append(Case.team_id == filters.team_id)
    if filters.touchpoint_id is not None:
        scope.append(Case.touchpoint_id == filters.touchpoint_id)
    open_count, overdue_count = session.execute(
        select(func.count(Case.id), func.count(Case.id).filter(overdue)).where(*scope)
    ).one()
    rows = session.execute(
        select(
            Case.id,
            Case.opened_at,
            Case.first_action_at,
            Case.first_action_due_at,
            Case.resolution_due_at,
            Touchpoint.name,
            User.name,
        )
        .outerjoin(Touchpoint, Touchpoint.id == Case.touchpoint_id)
        .outerjoin(User, User.id == Case.owner_id)
        .where(*scope)
        # Overdue first, then the oldest: what a manager should look at first.
        .order_by(overdue.desc(), Case.opened_at, Case.id)
        .limit(CASES_LISTED)
    ).all()
    lines = []
    for case_id, opened_at, acted_at, first_due, resolution_due, topic, owner in rows:
        due = first_due if acted_at is None else resolution_due
        lines.append(CaseLine(case_id, opened_at, topic or "", owner, due, due < now))
    return CaseOverview(int(open_count), int(overdue_count), tuple(lines))


def _verbatims(session: Session, filters: ReportFilters, *, happy: bool) -> tuple[Verbatim, ...]:
    condition = (
        or_(
            Response.nps_category == NpsCategory.PROMOTER,
            Response.csat_satisfied.is_(True),
            Response.ces_easy.is_(True),
        )
        if happy
        else Response.is_unhappy.is_(True)
    )
    rows = session.execute(
        exports.scoped_responses(
            filters,
            Response.score,
            Response.locale,
            Response.started_at,
            Response.answers,
            SurveyVersion.definition,
        )
        .where(Response.has_comment.is_(True), condition)
        .order_by(Response.started_at.desc(), Response.id.desc())
        .limit(VERBATIMS_PER_SIDE)
    ).all()
    verbatims = []
    for score, locale, started_at, answers, definition in rows:
        text = _comment(answers, definition)
        if text:
            verbatims.append(Verbatim(score, text, locale, started_at.date()))
    return tuple(verbatims)


def _comment(answers: dict[str, Any], document: dict[str, Any]) -> str:
    definition = from_document(document)
    texts = [
        " ".join(str(answers[question.key]).split())
        for question in definition.questions
        if question.type == QuestionType.TEXT and answers.get(question.key)
    ]
    comment = " / ".join(texts)
    if len(comment) <= VERBATIM_LENGTH:
        return comment
    return comment[:VERBATIM_LENGTH].rstrip() + "…"
