"""Inbox views: the case list with its tabs, filters and sorting, and bulk assignment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from surveyapp.services.cases import assignment, inbox_overview
from surveyapp.services.cases.inbox import InboxView
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.cases import bp
from surveyapp.web.cases.access import permissions, works_cases
from surveyapp.web.cases.forms import NOBODY, BulkAssignForm, InboxFilterForm, assignee_choices
from surveyapp.web.cases.labels import LABELS
from surveyapp.web.decorators import staff_view
from surveyapp.web.uow import clock, request_session, unit_of_work

# Labels translated once per locale and process: the inbox shows several per row, and a
# translation lookup costs more than the rest of the row.
_LABELS_BY_LOCALE: dict[str, dict[str, dict[Any, str]]] = {}


@bp.context_processor
def _cases_context() -> dict[str, Any]:
    locale = str(get_locale())
    labels = _LABELS_BY_LOCALE.get(locale)
    if labels is None:
        labels = {name: {k: str(v) for k, v in values.items()} for name, values in LABELS.items()}
        _LABELS_BY_LOCALE[locale] = labels
    return {**labels, **permissions()}


def _short_datetime() -> Callable[[datetime], str]:
    """Babel's short date and time in the viewer's locale and time zone, both looked up once."""
    locale, zone = get_locale(), get_timezone()
    return lambda value: format_datetime(value, "short", tzinfo=zone, locale=locale)


@bp.get("/")
@staff_view("cases")
def index() -> Any:
    """The inbox: one view (mine, my teams, unassigned, overdue, all), filtered and sorted."""
    db = request_session()
    view = _view(request.args.get("view"))
    touchpoints, causes = inbox_overview.filter_choices(db)
    form = InboxFilterForm(request.args, touchpoints=touchpoints, root_causes=causes)
    page_number = max(request.args.get("page", 1, type=int) or 1, 1)
    filters = form.to_filters(view, page_number) if form.validate() else None
    overview = inbox_overview.overview(db, filters, user=current_user, now=clock().now())
    g.my_open_case_count = overview.counts[InboxView.MINE]  # the navigation's badge
    bulk = BulkAssignForm()
    bulk.owner_id.choices = assignee_choices(overview.assignees, nobody=_l("Nobody (unassign)"))
    html = render_template(
        "staff/cases/index.html",
        view=view,
        form=form,
        filters_html=_filters_html(form, view),
        overview=overview,
        bulk=bulk,
        short_datetime=_short_datetime(),
    )
    return html, 400 if form.errors else 200


# Rendered filter forms by locale, view, query and choices offered: the same few forms are
# shown over and over, and rendering seven translated selects costs more than the case list.
_FILTER_FORMS: dict[tuple[Any, ...], Markup] = {}
_FILTER_FORMS_KEPT = 512


def _filters_html(form: InboxFilterForm, view: InboxView) -> Markup:
    if form.errors:
        return _render_filters(form, view)
    key = (
        str(get_locale()),
        view,
        tuple(sorted(form.data.items())),
        tuple((choice.value, choice.label) for choice in form.touchpoint_id.choices or ()),
        tuple((choice.value, choice.label) for choice in form.root_cause_id.choices or ()),
    )
    html = _FILTER_FORMS.get(key)
    if html is None:
        if len(_FILTER_FORMS) >= _FILTER_FORMS_KEPT:
            _FILTER_FORMS.clear()
        html = _FILTER_FORMS[key] = _render_filters(form, view)
    return html


def _render_filters(form: InboxFilterForm, view: InboxView) -> Markup:
    page = render_template("staff/cases/_filters.html", form=form, view=view)
    return Markup(page)  # noqa: S704 -- the output of an autoescaped template


@bp.post("/assign")
@staff_view("cases")
@works_cases
def bulk_assign() -> Any:
    """Give the chosen cases to one person (cases changed meanwhile are left alone)."""
    form = BulkAssignForm()
    chosen = form.chosen(request.form.getlist("case"))
    back = request.form.get("next") or url_for("cases.index")
    if not form.validate_on_submit() or not chosen:
        flash(_l("Choose at least one case and the person to give it to."), "warning")
        return redirect(_local(back), 303)
    owner = form.owner_id.data
    try:
        with unit_of_work() as db:
            outcome = assignment.bulk_assign(
                db,
                chosen,
                owner_id=int(owner) if owner and owner != NOBODY else None,
                actor=current_user,
                clock=clock(),
            )
    except ValidationFailed as error:
        flash(gettext(error.message), "danger")
        return redirect(_local(back), 303)
    if outcome.changed:
        flash(
            ngettext("%(num)d case was assigned.", "%(num)d cases were assigned.", outcome.changed),
            "success",
        )
    if outcome.refused:
        flash(
            ngettext(
                "%(num)d case was left as it was: it changed meanwhile, or you may not "
                "assign it to that person.",
                "%(num)d cases were left as they were: they changed meanwhile, or you may not "
                "assign them to that person.",
                outcome.refused,
            ),
            "warning",
        )
    return redirect(_local(back), 303)


def _view(raw: str | None) -> InboxView:
    try:
        return InboxView(raw) if raw else inbox_overview.default_view(current_user)
    except ValueError:
        return inbox_overview.default_view(current_user)


def _local(target: str) -> str:
    """Only redirect within the inbox (the form's ``next`` is user input)."""
    return target if target.startswith("/cases/") and "//" not in target else url_for("cases.index")
