"""The "why (not) surveyed" page of one interaction."""

from __future__ import annotations

from typing import Any

from flask import render_template

from surveyapp.services import interaction_history
from surveyapp.web.decorators import staff_view
from surveyapp.web.touchpoints import bp
from surveyapp.web.touchpoints.labels import MISSING_SENTENCES
from surveyapp.web.uow import request_session


@bp.get("/interactions/<int:interaction_id>")
@staff_view("touchpoints")
def interaction(interaction_id: int) -> Any:
    """The interaction's facts and every planning check of its invitation, in order."""
    story = interaction_history.interaction_story(request_session(), interaction_id)
    return render_template(
        "staff/touchpoints/interaction.html", story=story, missing_sentences=MISSING_SENTENCES
    )
