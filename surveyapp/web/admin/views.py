"""Admin views: users, teams, audit trail."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from surveyapp.domain.roles import Role
from surveyapp.services import audit, teams, users
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.admin import bp
from surveyapp.web.admin.forms import ResetPasswordForm, TeamForm, UserCreateForm, UserEditForm
from surveyapp.web.decorators import staff_view
from surveyapp.web.uow import clock, request_session, unit_of_work


def _with_team_choices(form: UserCreateForm | UserEditForm) -> Any:
    form.team_ids.choices = [
        SelectChoice(team.id, team.name) for team in teams.list_teams(request_session())
    ]
    return form


@bp.get("/users")
@staff_view("admin")
def users_list() -> Any:
    """All staff users."""
    return render_template("staff/admin/users.html", users=users.list_users(request_session()))


@bp.route("/users/new", methods=["GET", "POST"])
@staff_view("admin")
def user_create() -> Any:
    """Create a user; a generated password is shown exactly once."""
    form = _with_team_choices(UserCreateForm())
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                created = users.create_user(
                    db,
                    email=form.email.data,
                    name=form.name.data,
                    role=Role(form.role.data),
                    password=form.password.data or None,
                    team_ids=form.team_ids.data,
                    clock=clock(),
                    actor=current_user,
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            flash(_("User %(email)s was created.", email=created.user.email), "success")
            return render_template(
                "staff/admin/user_created.html",
                user=created.user,
                password=created.generated_password,
            )
    status = 400 if form.errors else 200
    return render_template("staff/admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@staff_view("admin")
def user_edit(user_id: int) -> Any:
    """Change a user's role, teams and active flag."""
    user = users.get_user(request_session(), user_id)
    form = _with_team_choices(UserEditForm(obj=user))
    if request.method == "GET":
        form.team_ids.data = [team.id for team in user.teams]
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                users.update_user(
                    db,
                    user_id,
                    name=form.name.data,
                    role=Role(form.role.data),
                    is_active=form.is_active.data,
                    team_ids=form.team_ids.data,
                    clock=clock(),
                    actor=current_user,
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            flash(_("Changes to %(email)s were saved.", email=user.email), "success")
            return redirect(url_for("admin.users_list"))
    status = 400 if form.errors else 200
    page = render_template(
        "staff/admin/user_form.html", form=form, user=user, reset_form=ResetPasswordForm()
    )
    return page, status


@bp.post("/users/<int:user_id>/password")
@staff_view("admin")
def user_reset_password(user_id: int) -> Any:
    """Replace a user's password with a generated one, shown once."""
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.user_edit", user_id=user_id))
    with unit_of_work() as db:
        password = users.reset_password(db, user_id, clock=clock(), actor=current_user)
        user = users.get_user(db, user_id)
    flash(_("The password of %(email)s was reset.", email=user.email), "success")
    return render_template("staff/admin/user_created.html", user=user, password=password)


@bp.route("/teams", methods=["GET", "POST"])
@staff_view("admin")
def teams_list() -> Any:
    """All teams, and the form to add one."""
    form = TeamForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                team = teams.create_team(db, name=form.name.data, clock=clock(), actor=current_user)
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            flash(_("Team %(name)s was created.", name=team.name), "success")
            return redirect(url_for("admin.teams_list"))
    status = 400 if form.errors else 200
    page = render_template(
        "staff/admin/teams.html", form=form, teams=teams.list_teams(request_session())
    )
    return page, status


@bp.get("/audit")
@staff_view("admin")
def audit_log() -> Any:
    """The newest audit events."""
    events = audit.list_recent(request_session(), limit=200)
    return render_template("staff/admin/audit.html", events=events)
