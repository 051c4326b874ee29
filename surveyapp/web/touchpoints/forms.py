"""Forms for touchpoints and journey stages (the trigger rule form is in ``rule_form``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from surveyapp.web.forms import BaseForm

NO_TEAM = 0
NO_STAGE = ""


def _stage_name_field() -> StringField:
    return StringField(
        _l("Stage name"),
        validators=[
            DataRequired(_l("Enter a name.")),
            Length(max=120, message=_l("Use at most 120 characters.")),
        ],
    )


class TouchpointForm(BaseForm):
    """Create a touchpoint: its stable key, name, owning team and journey stage."""

    key = StringField(
        _l("Key"),
        validators=[
            DataRequired(_l("Enter a key.")),
            Length(max=120, message=_l("Use at most 120 characters.")),
        ],
        description=_l(
            "The stable id your systems send with each interaction, e.g. support.ticket_closed: "
            "lower-case letters, digits, dots, dashes and underscores. It cannot be changed later."
        ),
    )
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter a name.")),
            Length(max=120, message=_l("Use at most 120 characters.")),
        ],
        description=_l("What staff see, e.g. Support ticket closed."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=2000, message=_l("Use at most 2,000 characters."))],
        description=_l("When does this moment happen, and what should the survey tell you?"),
        render_kw={"rows": 3},
    )
    team_id = SelectField(
        _l("Owning team"),
        coerce=int,
        description=_l("The team that receives the follow-up cases of this touchpoint."),
    )
    stage = SelectField(_l("Journey stage"))


class StageForm(BaseForm):
    """Add a journey stage at the end of the journey."""

    name = _stage_name_field()
    key = StringField(
        _l("Key (optional)"),
        validators=[Optional(), Length(max=64, message=_l("Use at most 64 characters."))],
        description=_l("Leave empty to derive it from the name."),
    )


class RenameStageForm(BaseForm):
    """Give a stage a new name; its key stays."""

    name = _stage_name_field()


class MoveStageForm(BaseForm):
    """Move a stage one place earlier (``up``) or later (``down``) in the journey."""

    direction = StringField(
        _l("Direction"),
        validators=[
            DataRequired(_l("Choose up or down.")),
            AnyOf(("up", "down"), message=_l("Choose up or down.")),
        ],
    )
