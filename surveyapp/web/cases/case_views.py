"""The case page and what people do on it: notes, calls, status, owner, tags, outcome, message.

Every change redirects back to the case page (POST, redirect, GET) with a message. A change
the service refuses (someone saved meanwhile, a missing outcome, a case of another team) is
explained there and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from surveyapp.domain.case_states import CaseEventKind
from surveyapp.models import Case
from surveyapp.runtime import get_runtime
from surveyapp.services.cases import assignment, detail, messages, recovery_page, work
from surveyapp.services.errors import Conflict, PermissionDenied, ValidationFailed
from surveyapp.web.cases import bp
from surveyapp.web.cases.access import works_cases
from surveyapp.web.cases.forms import (
    NOBODY,
    AssignForm,
    MessageForm,
    NoteForm,
    ResolveForm,
    RootCauseForm,
    StatusForm,
    assignee_choices,
)
from surveyapp.web.cases.presenters import due_state, timeline
from surveyapp.web.cases.recovery_forms import DecisionForm, GoodwillForm
from surveyapp.web.decorators import staff_view
from surveyapp.web.forms import BaseForm
from surveyapp.web.responses.presenters import response_detail, score_badge
from surveyapp.web.uow import clock, request_session, unit_of_work

Change = Callable[[Session, Case], Any]


@bp.get("/<int:case_id>")
@staff_view("cases")
def show(case_id: int) -> Any:
    """A case: the answers, the customer and their history, the timeline, and the actions."""
    page = detail.case_page(request_session(), case_id, viewer=current_user)
    case = page.case
    version = str(case.version)
    assign = AssignForm(
        version=version, owner_id=str(case.owner_id or ""), team_id=str(case.team_id or "")
    )
    assign.owner_id.choices = assignee_choices(page.assignees, nobody=_l("Nobody (the queue)"))
    assign.team_id.choices = [
        SelectChoice("", _l("No team")),
        *(SelectChoice(str(team.id), team.name) for team in page.teams),
    ]
    tagged = [cause.id for cause in case.root_causes]
    choices = [SelectChoice(cause.id, cause.name) for cause in page.root_causes]
    causes = RootCauseForm(version=version, root_causes=tagged)
    resolve = ResolveForm(version=version, resolution=case.resolution, root_causes=tagged)
    causes.root_causes.choices = resolve.root_causes.choices = choices
    draft = page.recipient.draft if page.recipient else ""
    return render_template(
        "staff/cases/show.html",
        page=page,
        case=case,
        answers=response_detail(page.response, page.version),
        badge=score_badge(page.response),
        entries=timeline(page.events, page.mails),
        due=due_state(case, clock().now()),
        note_form=NoteForm(),
        status_form=StatusForm(version=version),
        assign_form=assign,
        cause_form=causes,
        resolve_form=resolve,
        message_form=MessageForm(body=draft),
        **_recovery_context(case),
    )


def _recovery_context(case: Case) -> dict[str, Any]:
    """The case page's recovery section: checklists, goodwill and its forms, the re-survey."""
    panel = recovery_page.recovery_panel(
        request_session(), case, viewer=current_user, clock=clock()
    )
    return {
        "recovery": panel,
        "goodwill_form": GoodwillForm(currency=panel.currency),
        "decision_form": DecisionForm(),
        "money": _money,
    }


def _money(amount: Any) -> str:
    """An amount with two decimals in the viewer's locale ("1,234.50", "1.234,50")."""
    return str(format_decimal(amount, format="#,##0.00"))


@bp.post("/<int:case_id>/notes")
@staff_view("cases")
@works_cases
def note(case_id: int) -> Any:
    """Add a note or log a call."""
    form = NoteForm()
    kind = CaseEventKind.CALL if form.is_call.data else CaseEventKind.NOTE
    return _change(
        case_id,
        form,
        lambda db, case: work.add_note(
            db,
            case,
            form.text.data,
            kind=kind,
            reached=bool(form.reached.data) if kind == CaseEventKind.CALL else None,
            actor=current_user,
            clock=clock(),
        ),
        _l("The call was logged.") if kind == CaseEventKind.CALL else _l("The note was added."),
        "timeline",
    )


@bp.post("/<int:case_id>/status")
@staff_view("cases")
@works_cases
def status(case_id: int) -> Any:
    """Move the case to another status."""
    form = StatusForm()
    return _change(
        case_id,
        form,
        lambda db, case: work.move(
            db,
            case,
            form.target(),
            expected_version=form.expected_version(),
            actor=current_user,
            clock=clock(),
        ),
        _l("The status was changed."),
        "actions",
    )


@bp.post("/<int:case_id>/owner")
@staff_view("cases")
@works_cases
def assign(case_id: int) -> Any:
    """Give the case to someone, or back to its team's queue; or route it to another team."""
    form = AssignForm()
    owner, team = form.owner_id.data, form.team_id.data
    return _change(
        case_id,
        form,
        lambda db, case: assignment.assign_case(
            db,
            case,
            owner_id=int(owner) if owner and owner != NOBODY else None,
            team_id=int(team) if team else None,
            expected_version=form.expected_version(),
            actor=current_user,
            clock=clock(),
        ),
        _l("The case was assigned."),
        "actions",
    )


@bp.post("/<int:case_id>/root-causes")
@staff_view("cases")
@works_cases
def root_causes(case_id: int) -> Any:
    """Tag the case with root causes."""
    form = RootCauseForm()
    return _change(
        case_id,
        form,
        lambda db, case: work.set_root_causes(
            db,
            case,
            form.root_causes.data or [],
            expected_version=form.expected_version(),
            actor=current_user,
            clock=clock(),
        ),
        _l("The root causes were saved."),
        "outcome",
    )


@bp.post("/<int:case_id>/resolve")
@staff_view("cases")
@works_cases
def resolve(case_id: int) -> Any:
    """Write the outcome (resolution, root causes) and resolve the case."""
    form = ResolveForm()
    return _change(
        case_id,
        form,
        lambda db, case: work.resolve(
            db,
            case,
            resolution=form.resolution.data,
            root_cause_ids=form.root_causes.data or [],
            expected_version=form.expected_version(),
            actor=current_user,
            clock=clock(),
        ),
        _l("The case was resolved."),
        "outcome",
    )


@bp.post("/<int:case_id>/message")
@staff_view("cases")
@works_cases
def message(case_id: int) -> Any:
    """Queue the close-the-loop message to the customer."""
    form = MessageForm()
    secret = str(get_runtime().config.secret_key)
    return _change(
        case_id,
        form,
        lambda db, case: messages.write_to_customer(
            db, case, form.body.data, secret=secret, actor=current_user, clock=clock()
        ),
        _l("The message is on its way to the customer."),
        "message",
    )


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
        except (ValidationFailed, PermissionDenied, Conflict) as error:
            flash(gettext(error.message), "danger")
        else:
            flash(done, "success")
    return redirect(url_for("cases.show", case_id=case_id, _anchor=anchor), 303)
