"""The dead-letter form: the checked invitations, or the one row whose button was pressed."""

from __future__ import annotations

from wtforms import IntegerField, SelectMultipleField
from wtforms.validators import NumberRange, Optional

from surveyapp.web.forms import BaseForm


class DeadLetterForm(BaseForm):
    """Replay (or release the reminders of) the checked rows, or just the row in ``only``."""

    # The rows are rendered by hand (a checkbox per row); any id is accepted here and the
    # service refuses those it may not act on.
    invitation_ids = SelectMultipleField(coerce=int, validate_choice=False)
    only = IntegerField(validators=[Optional(), NumberRange(min=1)])

    def chosen_ids(self) -> list[int]:
        """The pressed row's id, else the checked rows' ids."""
        if self.only.data:
            return [self.only.data]
        return list(self.invitation_ids.data or [])
