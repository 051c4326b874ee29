"""The fixed fields of the respondent forms; the answers themselves are checked by the domain."""

from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from surveyapp.services.answering import Steps
from surveyapp.web.forms import BaseForm


class _PublicForm(BaseForm):
    class Meta:
        # The app-wide CSRFProtect has checked the token before the view ran; checking it a
        # second time in the form costs the busiest endpoints a signature verification.
        csrf = False


class AnswerForm(_PublicForm):
    """A submit of the survey page: which version it showed and which step it carries.

    The answers are read per question key from the request and checked by
    ``services.answering.submit_answers`` (the questions are not known to a static form).
    """

    version = IntegerField(validators=[InputRequired()])
    steps = SelectField(choices=[SelectChoice(steps.value, steps.value) for steps in Steps])


class ProvisionalForm(_PublicForm):
    """A score the page has shown to a person, posted by survey.js (no submit yet)."""

    version = IntegerField(validators=[InputRequired()])
    score = IntegerField(validators=[InputRequired()])
    lang = StringField(validators=[Optional(), Length(max=8)])
