"""Journey stage views: the ordered list, adding, renaming and moving stages."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from surveyapp.services import journey_stages
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.decorators import staff_view
from surveyapp.web.touchpoints import bp
from surveyapp.web.touchpoints.access import edits_touchpoints
from surveyapp.web.touchpoints.forms import MoveStageForm, RenameStageForm, StageForm
from surveyapp.web.uow import clock, request_session, unit_of_work


def _stages_page(
    form: StageForm | None = None,
    rename_form: RenameStageForm | None = None,
    failed_key: str | None = None,
) -> Any:
    """The stages page; a form with errors makes it a 400 answer."""
    form = form or StageForm(formdata=None)
    rename_form = rename_form or RenameStageForm(formdata=None)
    has_errors = bool(form.errors or rename_form.errors)
    page = render_template(
        "staff/touchpoints/stages.html",
        stages=journey_stages.list_stages(request_session()),
        form=form,
        rename_form=rename_form,
        move_form=MoveStageForm(formdata=None),
        failed_key=failed_key,
    )
    return page, 400 if has_errors else 200


@bp.route("/stages", methods=["GET", "POST"])
@staff_view("touchpoints")
@edits_touchpoints
def stages() -> Any:
    """The journey stages in order, and the form to add one at the end."""
    form = StageForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                stage = journey_stages.add_stage(
                    db,
                    name=form.name.data,
                    key=form.key.data or "",
                    clock=clock(),
                    actor=current_user,
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            flash(_("Stage %(name)s was added.", name=stage.name), "success")
            return redirect(url_for("touchpoints.stages"))
    return _stages_page(form=form)


@bp.post("/stages/<stage_key>/rename")
@staff_view("touchpoints")
@edits_touchpoints
def stage_rename(stage_key: str) -> Any:
    """Give a stage a new name; its key (used by integrations and filters) stays."""
    form = RenameStageForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                stage = journey_stages.rename_stage(
                    db, stage_key, name=form.name.data, clock=clock(), actor=current_user
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            flash(_("The stage is now called %(name)s.", name=stage.name), "success")
            return redirect(url_for("touchpoints.stages"))
    return _stages_page(rename_form=form, failed_key=stage_key)


@bp.post("/stages/<stage_key>/move")
@staff_view("touchpoints")
@edits_touchpoints
def stage_move(stage_key: str) -> Any:
    """Move a stage one place earlier or later in the journey."""
    form = MoveStageForm()
    if not form.validate_on_submit():
        flash(_("Choose whether to move the stage up or down."), "danger")
        return _stages_page()[0], 400
    with unit_of_work() as db:
        stage = journey_stages.move_stage(
            db, stage_key, direction=form.direction.data, clock=clock(), actor=current_user
        )
    flash(_("Stage %(name)s was moved.", name=stage.name), "success")
    return redirect(url_for("touchpoints.stages"))
