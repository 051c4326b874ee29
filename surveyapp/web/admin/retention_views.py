"""Admin view: retention periods per kind of data, what a run now would remove, the last run."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from surveyapp.services.errors import ValidationFailed
from surveyapp.services.privacy import retention
from surveyapp.web.admin import bp
from surveyapp.web.admin.retention_forms import KIND_HELP, KIND_LABELS, RetentionForm
from surveyapp.web.decorators import staff_view
from surveyapp.web.uow import clock, request_session, unit_of_work


@bp.route("/retention", methods=["GET", "POST"])
@staff_view("admin")
def retention_settings() -> Any:
    """The settings form; a bad period re-renders the page with its message (400)."""
    form = RetentionForm()
    if request.method == "GET":
        form.fill(retention.periods(request_session()))
    elif form.validate_on_submit():
        try:
            with unit_of_work() as db:
                changed = retention.save_settings(
                    db, form.periods(), clock=clock(), actor=current_user
                )
        except ValidationFailed as error:
            form.apply_retention_errors(error)
        else:
            flash(_("Retention periods saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("admin.retention_settings"))
    session = request_session()
    page = render_template(
        "staff/admin/retention.html",
        form=form,
        settings=retention.settings(session),
        preview=retention.preview(session, clock()),
        last_run=retention.last_run(session),
        kind_labels=KIND_LABELS,
        kind_help=KIND_HELP,
    )
    return page, 400 if form.errors else 200
