"""Recovery on the case page (tick a checklist item, record and approve goodwill), kudos, digest.

Case page actions follow the page's pattern: POST, then back to the case page with a message;
a refused change is explained there and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session

from surveyapp.models import Case
from surveyapp.services.cases import detail, digest, goodwill, kudos, playbooks, work
from surveyapp.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from surveyapp.web.cases import bp
from surveyapp.web.cases.access import works_cases
from surveyapp.web.cases.recovery_forms import ChecklistForm, DecisionForm, DigestForm, GoodwillForm
from surveyapp.web.decorators import staff_view
from surveyapp.web.forms import BaseForm
from surveyapp.web.uow import clock, request_session, unit_of_work

Change = Callable[[Session, Case], Any]


@bp.post("/<int:case_id>/playbooks/<int:playbook_id>")
@staff_view("cases")
@works_cases
def checklist(case_id: int, playbook_id: int) -> Any:
    """Save which items of a playbook's checklist are done."""
    form = ChecklistForm()
    return _change(
        case_id,
        form,
        lambda db, case: playbooks.save_checklist(
            db, case, playbook_id, form.done_items(), actor=current_user, clock=clock()
        ),
        _l("The checklist was saved."),
        "recovery",
    )


@bp.post("/<int:case_id>/goodwill")
@staff_view("cases")
@works_cases
def record_goodwill(case_id: int) -> Any:
    """Record goodwill given to the customer."""
    form = GoodwillForm()
    return _change(
        case_id,
        form,
        lambda db, case: goodwill.record_goodwill(
            db, case, form.goodwill(), actor=current_user, clock=clock()
        ),
        _l("The goodwill was recorded."),
        "recovery",
    )


@bp.post("/<int:case_id>/goodwill/<int:goodwill_id>/decision")
@staff_view("cases")
@works_cases
def decide_goodwill(case_id: int, goodwill_id: int) -> Any:
    """Approve or reject pending goodwill (managers of the team, admins)."""
    form = DecisionForm()
    return _change(
        case_id,
        form,
        lambda db, case: goodwill.decide_goodwill(
            db, case, goodwill_id, approve=form.approves(), actor=current_user, clock=clock()
        ),
        _l("The goodwill was approved.") if form.approves() else _l("The goodwill was rejected."),
        "recovery",
    )


@bp.get("/kudos")
@staff_view("cases")
def kudos_index() -> Any:
    """Praise from customers: one's own; managers also their teams' agents'."""
    entries = kudos.list_kudos(request_session(), viewer=current_user)
    return render_template("staff/cases/kudos.html", entries=entries)


@bp.route("/notifications", methods=["GET", "POST"])
@staff_view("cases")
def notifications() -> Any:
    """One's own mail choices: the daily digest on or off."""
    form = DigestForm()
    if form.validate_on_submit():
        with unit_of_work() as db:
            digest.set_digest(db, current_user, enabled=bool(form.daily_digest.data), clock=clock())
        flash(_l("Your notification settings were saved."), "success")
        return redirect(url_for("cases.notifications"), 303)
    if not form.is_submitted():
        form.daily_digest.data = digest.is_digest_on(request_session(), current_user.id)
    status = 400 if form.errors else 200
    return render_template("staff/cases/notifications.html", form=form), status


def _change(case_id: int, form: BaseForm, change: Change, done: Any, anchor: str) -> Any:
    """Validate ``form``, run ``change`` on the case in one transaction, and go back.

    A case the user may not even open (another team's) is refused with 403 first.
    """
    detail.check_may_open(request_session(), case_id, viewer=current_user)
    if not form.validate_on_submit():
        messages_ = [str(m) for errors in form.errors.values() for m in errors]
        flash(" ".join(messages_) or gettext("The form could not be read."), "danger")
    else:
        try:
            with unit_of_work() as db:
                change(db, work.get_case(db, case_id))
        except ValidationFailed as error:
            texts = [gettext(m) for m in error.field_errors.values()] or [gettext(error.message)]
            flash(" ".join(texts), "danger")
        except (PermissionDenied, Conflict, NotFound) as error:
            flash(gettext(error.message), "danger")
        else:
            flash(done, "success")
    return redirect(url_for("cases.show", case_id=case_id, _anchor=anchor), 303)
