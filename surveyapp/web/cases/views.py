"""Inbox views: the case list with its tabs, filters and sorting, and bulk assignment."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from surveyapp.services.cases import assignment, inbox
from surveyapp.services.cases.inbox import InboxView
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.cases import bp
from surveyapp.web.cases.access import permissions, works_cases
from surveyapp.web.cases.forms import NOBODY, BulkAssignForm, InboxFilterForm, assignee_choices
from surveyapp.web.cases.labels import LABELS
from surveyapp.web.decorators import staff_view
from surveyapp.web.uow import clock, request_session, unit_of_work


@bp.context_processor
def _cases_context() -> dict[str, Any]:
    # Translated once per page: the inbox shows a label per row and column.
    labels = {name: {k: str(v) for k, v in values.items()} for name, values in LABELS.items()}
    return {**labels, **permissions()}


@bp.get("/")
@staff_view("cases")
def index() -> Any:
    """The inbox: one view (mine, my teams, unassigned, overdue, all), filtered and sorted."""
    db = request_session()
    view = _view(request.args.get("view"))
    touchpoints, causes = inbox.filter_choices(db)
    form = InboxFilterForm(request.args, touchpoints=touchpoints, root_causes=causes)
    page_number = max(request.args.get("page", 1, type=int) or 1, 1)
    filters = form.to_filters(view, page_number) if form.validate() else None
    overview = inbox.overview(db, filters, user=current_user, now=clock().now())
    bulk = BulkAssignForm()
    bulk.owner_id.choices = assignee_choices(overview.assignees, nobody=_l("Nobody (unassign)"))
    html = render_template(
        "staff/cases/index.html",
        view=view,
        form=form,
        overview=overview,
        bulk=bulk,
        now=clock().now(),
        next_due=inbox.next_due,
    )
    return html, 400 if form.errors else 200


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
        return InboxView(raw) if raw else inbox.default_view(current_user)
    except ValueError:
        return inbox.default_view(current_user)


def _local(target: str) -> str:
    """Only redirect within the inbox (the form's ``next`` is user input)."""
    return target if target.startswith("/cases/") and "//" not in target else url_for("cases.index")
