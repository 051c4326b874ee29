"""Sending views: the queue, the dead letters with replay, and one invitation's timeline."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from surveyapp.services.dispatch import queue, timeline
from surveyapp.services.dispatch import replay as replaying
from surveyapp.services.dispatch.replay import ActionOutcome
from surveyapp.web.decorators import changes_need, staff_view
from surveyapp.web.dispatch import bp
from surveyapp.web.dispatch.access import REPLAY_ROLES, permissions
from surveyapp.web.dispatch.forms import DeadLetterForm
from surveyapp.web.dispatch.labels import LABELS
from surveyapp.web.touchpoints.explanations import explain_checks
from surveyapp.web.uow import clock, request_session, unit_of_work


@bp.context_processor
def _dispatch_context() -> dict[str, Any]:
    return {**LABELS, **permissions(), "explain_checks": explain_checks}


@bp.get("/")
@staff_view("dispatch")
def index() -> Any:
    """Email invitations per state, the next sends and the newest failures."""
    overview = queue.queue_overview(request_session(), clock=clock())
    return render_template("staff/dispatch/index.html", overview=overview)


@bp.get("/dead-letters")
@staff_view("dispatch")
def dead_letters() -> Any:
    """Failed and uncertain invitations and reminders, to be replayed by an admin."""
    page = request.args.get("page", 1, type=int) or 1
    letters = queue.list_dead_letters(request_session(), page=page)
    return render_template("staff/dispatch/dead_letters.html", letters=letters)


@bp.post("/dead-letters/replay")
@staff_view("dispatch")
@changes_need(REPLAY_ROLES)
def replay() -> Any:
    """Queue the chosen failed or uncertain invitations again, to be sent now."""
    ids = _chosen_ids()
    if ids:
        with unit_of_work() as db:
            outcome = replaying.replay(db, ids, actor=current_user, clock=clock())
        _flash_outcome(
            outcome,
            ngettext(
                "%(num)d invitation was queued again.",
                "%(num)d invitations were queued again.",
                outcome.changed,
            ),
        )
    return redirect(url_for("dispatch.dead_letters"))


@bp.post("/dead-letters/release-reminders")
@staff_view("dispatch")
@changes_need(REPLAY_ROLES)
def release_reminders() -> Any:
    """Make the chosen failed or uncertain reminders due again, to be sent now."""
    ids = _chosen_ids()
    if ids:
        with unit_of_work() as db:
            outcome = replaying.release_reminders(db, ids, actor=current_user, clock=clock())
        _flash_outcome(
            outcome,
            ngettext(
                "%(num)d reminder is due again.",
                "%(num)d reminders are due again.",
                outcome.changed,
            ),
        )
    return redirect(url_for("dispatch.dead_letters"))


@bp.get("/invitations/<int:invitation_id>")
@staff_view("dispatch")
def invitation(invitation_id: int) -> Any:
    """One invitation: its facts, every dispatch step, and the fetches of its link."""
    story = timeline.get_timeline(request_session(), invitation_id, clock=clock())
    return render_template("staff/dispatch/invitation.html", story=story)


def _chosen_ids() -> list[int]:
    """The ids the form names; flashes a hint and returns none when no row was chosen."""
    form = DeadLetterForm()
    if not form.validate_on_submit():
        abort(400)
    ids = form.chosen_ids()
    if not ids:
        flash(_("Choose at least one row first."), "warning")
    return ids


def _flash_outcome(outcome: ActionOutcome, changed_message: str) -> None:
    if outcome.changed:
        flash(changed_message, "success")
    if outcome.refused:
        flash(
            ngettext(
                "%(num)d row was left as it was: it is no longer failed or uncertain, or its "
                "link has expired.",
                "%(num)d rows were left as they were: they are no longer failed or uncertain, "
                "or their links have expired.",
                outcome.refused,
            ),
            "warning",
        )
