"""Report views: dashboard, drill-down, journey, improvement log and the "last 20" review."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from surveyapp.domain.roles import Role
from surveyapp.services import responses
from surveyapp.services.errors import ValidationFailed
from surveyapp.services.reporting import access, dashboard, improvements, journey, review
from surveyapp.services.reporting.choices import ReportChoices, report_choices
from surveyapp.services.reporting.drilldown import drilldown_filters
from surveyapp.services.reporting.filters import ReportFilters, default_filters, parse_filters
from surveyapp.web.decorators import changes_need, has_role, staff_view
from surveyapp.web.reports import bp
from surveyapp.web.reports.forms import ImprovementForm, ReportFilterForm
from surveyapp.web.reports.presenters import (
    RATING_NAMES,
    change_text,
    duration,
    number,
    rating_charts,
    signed,
)
from surveyapp.web.responses.forms import CHANNEL_LABELS
from surveyapp.web.responses.presenters import STATUS_LABELS, language_name, response_rows
from surveyapp.web.uow import clock, request_session, unit_of_work

IMPROVEMENT_WRITERS = frozenset({Role.ADMIN, Role.CX_OWNER})
HELPERS = {
    "number": number,
    "signed": signed,
    "duration": duration,
    "change_text": change_text,
    "rating_names": RATING_NAMES,
    "channel_labels": CHANNEL_LABELS,
    "language_name": language_name,
}


def _choices() -> ReportChoices:
    """What the filters offer the signed-in user: managers and agents only their teams."""
    return access.visible_choices(report_choices(request_session()), current_user)


def _filters(choices: ReportChoices) -> tuple[ReportFilterForm, ReportFilters | None]:
    """The filter form and the filters it holds (``None`` with errors shown on the form).

    Managers and agents are narrowed to their teams (their first team when they name none);
    naming another team's team or touchpoint is refused with 403.
    """
    form = ReportFilterForm(request.args, choices=choices)
    today = clock().now().date()
    try:
        filters = parse_filters(request.args, today=today)
    except ValidationFailed as error:
        form.apply_service_errors(error)
        form.show(default_filters(today))
        return form, None
    filters = access.scoped_filters(request_session(), current_user, filters)
    form.show(filters)
    return form, filters


@bp.get("/")
@staff_view("reports")
def index() -> Any:
    """The dashboard: KPIs with change and significance, trends, distribution, loop metrics."""
    db = request_session()
    form, filters = _filters(_choices())
    summary = dashboard.dashboard_summary(db, filters, clock=clock()) if filters else None
    html = render_template(
        "staff/reports/dashboard.html",
        form=form,
        summary=summary,
        charts=rating_charts(summary) if summary else [],
        **HELPERS,
    )
    return html, 200 if summary else 400


@bp.get("/responses")
@staff_view("reports")
def drilldown() -> Any:
    """The responses behind a figure of the dashboard (same filters, one rating, one score)."""
    db = request_session()
    choices = _choices()
    form, filters = _filters(choices)
    page = None
    rating = request.args.get("rating") or None
    score = request.args.get("score", type=int)
    if filters is not None and rating in (None, "nps", "csat", "ces"):
        page = responses.list_responses(
            db,
            drilldown_filters(filters, rating_type=rating, score=score),
            cursor=request.args.get("cursor") or None,
        )
    names = {survey.id: survey.name for survey in choices.surveys}
    rows = response_rows(page.items, names) if page else []
    html = render_template(
        "staff/reports/drilldown.html",
        form=form,
        filters=filters,
        page=page,
        rows=rows,
        rating=rating,
        score=score,
        status_labels=STATUS_LABELS,
        **HELPERS,
    )
    return html, 200 if page else 400


@bp.get("/journey")
@staff_view("reports")
def journey_page() -> Any:
    """Scores per journey stage and touchpoint next to the interactions' operational facts."""
    db = request_session()
    form, filters = _filters(_choices())
    view = journey.journey_view(db, filters) if filters else None
    html = render_template("staff/reports/journey.html", form=form, view=view, **HELPERS)
    return html, 200 if view else 400


@bp.route("/improvements", methods=["GET", "POST"])
@staff_view("reports")
@changes_need(IMPROVEMENT_WRITERS)
def improvements_page() -> Any:
    """The improvement log with each change's before/after scores; CX owners add entries."""
    db = request_session()
    choices = report_choices(db)
    form = ImprovementForm(choices=choices)
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                improvements.record_improvement(
                    db, form.to_input(), actor=current_user, clock=clock()
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            flash(_l("The change was added to the improvement log."), "success")
            return redirect(url_for("reports.improvements_page"), 303)
    effects = improvements.improvement_log(db, today=clock().now().date())
    html = render_template(
        "staff/reports/improvements.html",
        form=form,
        effects=effects,
        can_write=has_role(IMPROVEMENT_WRITERS),
        window_days=improvements.EFFECT_WINDOW_DAYS,
        **HELPERS,
    )
    return html, 400 if form.errors or form.form_errors else 200


@bp.get("/review")
@staff_view("reports")
def review_page() -> Any:
    """The latest 20 answers with comments of a team or touchpoint: customers' own words."""
    db = request_session()
    choices = _choices()
    form, filters = _filters(choices)
    items = review.latest_comments(
        db,
        team_id=filters.team_id if filters else None,
        touchpoint_id=filters.touchpoint_id if filters else None,
    )
    return render_template(
        "staff/reports/review.html", form=form, items=items, size=review.REVIEW_SIZE, **HELPERS
    )
