"""Recovery settings views: playbooks (CX owners, admins) and each team's recovery settings."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from surveyapp.services.cases import playbooks, recovery_settings, settings, taxonomy
from surveyapp.services.errors import PermissionDenied, ValidationFailed
from surveyapp.web.cases import bp
from surveyapp.web.cases.access import edits_settings, edits_team_settings
from surveyapp.web.cases.recovery_forms import PlaybookForm, RecoverySettingsForm
from surveyapp.web.decorators import staff_view
from surveyapp.web.uow import clock, request_session, unit_of_work


@bp.get("/playbooks")
@staff_view("cases")
def playbooks_index() -> Any:
    """Every playbook with its trigger and items."""
    db = request_session()
    causes = {cause.id: cause.name for cause in taxonomy.list_root_causes(db)}
    return render_template(
        "staff/cases/playbooks.html", playbooks=playbooks.list_playbooks(db), causes=causes
    )


@bp.route("/playbooks/new", methods=["GET", "POST"])
@staff_view("cases")
@edits_settings
def new_playbook() -> Any:
    """Create a playbook."""
    return _playbook_page(None)


@bp.route("/playbooks/<int:playbook_id>", methods=["GET", "POST"])
@staff_view("cases")
@edits_settings
def playbook(playbook_id: int) -> Any:
    """Change a playbook."""
    return _playbook_page(playbook_id)


def _playbook_page(playbook_id: int | None) -> Any:
    """The playbook form: validate, save, or show it again with its messages."""
    db = request_session()
    current = playbooks.get_playbook(db, playbook_id) if playbook_id is not None else None
    form = PlaybookForm()
    form.set_causes(list(taxonomy.list_root_causes(db, include_retired=False)))
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                saved = playbooks.save_playbook(
                    db, playbook_id, form.playbook(), actor=current_user, clock=clock()
                )
                name = saved.name
        except ValidationFailed as error:
            form.apply_service_errors(error)
        except PermissionDenied as error:
            form.form_errors.append(gettext(error.message))
        else:
            flash(_l("The playbook %(name)s was saved.", name=name), "success")
            return redirect(url_for("cases.playbooks_index"), 303)
    elif not form.is_submitted() and current is not None:
        form.load(current)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("staff/cases/playbook.html", form=form, playbook=current), status


@bp.route("/settings/teams/<int:team_id>/recovery", methods=["GET", "POST"])
@staff_view("cases")
@edits_team_settings
def recovery(team_id: int) -> Any:
    """A team's goodwill budget and approval threshold, and its re-survey."""
    db = request_session()
    team = settings.get_team(db, team_id)
    form = RecoverySettingsForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                recovery_settings.save_recovery_settings(
                    db, team_id, form.settings(), actor=current_user, clock=clock()
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        except PermissionDenied as error:
            form.form_errors.append(gettext(error.message))
        else:
            flash(_l("The recovery settings of %(team)s were saved.", team=team.name), "success")
            return redirect(url_for("cases.settings_index"), 303)
    elif not form.is_submitted():
        form.load(recovery_settings.find_recovery_settings(db, team_id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("staff/cases/recovery_settings.html", form=form, team=team), status
