"""Forms of the inbox and the case page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from surveyapp.domain.case_rules import CasePriority, ScoreBand
from surveyapp.domain.case_states import CaseStatus
from surveyapp.models import RootCause, Touchpoint, User
from surveyapp.services.cases.inbox import ANY_STATUS, OPEN, CaseAge, InboxFilters, InboxSort
from surveyapp.web.cases.labels import (
    AGE_LABELS,
    BAND_LABELS,
    PRIORITY_LABELS,
    SORT_LABELS,
    STATUS_LABELS,
)
from surveyapp.web.forms import BaseForm

TEXT_LIMIT = 5000
NOBODY = ""


def _choices(first: Any, labels: dict[str, Any], first_value: str = "") -> list[SelectChoice]:
    return [SelectChoice(first_value, first), *(SelectChoice(k, v) for k, v in labels.items())]


class InboxFilterForm(BaseForm):
    """Narrow and sort the inbox; read from the query string (links just work, no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice(OPEN, _l("Open (new, in progress, waiting)")),
            *(SelectChoice(k, v) for k, v in STATUS_LABELS.items()),
            SelectChoice(ANY_STATUS, _l("Any status")),
        ],
        default=OPEN,
    )
    priority = SelectField(
        _l("Priority"), choices=_choices(_l("Any priority"), PRIORITY_LABELS), default=""
    )
    touchpoint_id = SelectField(_l("Touchpoint"), default="")
    root_cause_id = SelectField(_l("Root cause"), default="")
    band = SelectField(_l("Score band"), choices=_choices(_l("Any score"), BAND_LABELS), default="")
    age = SelectField(_l("Age"), choices=_choices(_l("Any age"), AGE_LABELS), default="")
    sort = SelectField(
        _l("Sort"),
        choices=[SelectChoice(k, v) for k, v in SORT_LABELS.items()],
        default=InboxSort.URGENCY.value,
    )

    def __init__(
        self,
        *args: Any,
        touchpoints: Sequence[Touchpoint] = (),
        root_causes: Sequence[RootCause] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.touchpoint_id.choices = [SelectChoice("", _l("Any touchpoint"))] + [
            SelectChoice(str(t.id), t.name) for t in touchpoints
        ]
        self.root_cause_id.choices = [SelectChoice("", _l("Any root cause"))] + [
            SelectChoice(str(c.id), c.name) for c in root_causes
        ]

    def to_filters(self, view: Any, page: int) -> InboxFilters:
        """The validated input as the service's filters."""
        return InboxFilters(
            view=view,
            status=self.status.data or OPEN,
            priority=CasePriority(self.priority.data) if self.priority.data else None,
            touchpoint_id=int(self.touchpoint_id.data) if self.touchpoint_id.data else None,
            root_cause_id=int(self.root_cause_id.data) if self.root_cause_id.data else None,
            band=ScoreBand(self.band.data) if self.band.data else None,
            age=CaseAge(self.age.data) if self.age.data else None,
            sort=InboxSort(self.sort.data or InboxSort.URGENCY),
            page=page,
        )

    def query_args(self) -> dict[str, str]:
        """The non-default filters as query-string arguments (for tabs and page links)."""
        values = {
            "status": "" if self.status.data == OPEN else self.status.data,
            "priority": self.priority.data,
            "touchpoint_id": self.touchpoint_id.data,
            "root_cause_id": self.root_cause_id.data,
            "band": self.band.data,
            "age": self.age.data,
            "sort": "" if self.sort.data == InboxSort.URGENCY else self.sort.data,
        }
        return {name: value for name, value in values.items() if value}


def assignee_choices(users: Sequence[User], *, nobody: Any) -> list[SelectChoice]:
    """People to give cases to, with "nobody" (back to the team's queue) first."""
    return [SelectChoice(NOBODY, nobody), *(SelectChoice(str(u.id), u.name) for u in users)]


class BulkAssignForm(BaseForm):
    """Give the chosen cases to one person; each checkbox value is ``<case id>:<version>``."""

    owner_id = SelectField(_l("Assign to"), validate_choice=False)

    def chosen(self, values: Sequence[str]) -> dict[int, int]:
        """The chosen cases and the versions the list showed (malformed values skipped)."""
        chosen: dict[int, int] = {}
        for value in values:
            case_id, _, version = value.partition(":")
            if case_id.isdigit() and version.isdigit():
                chosen[int(case_id)] = int(version)
        return chosen


class _OnCasePage(BaseForm):
    """A form of the case page: prefixed, so the page's many forms keep unique field ids."""

    PREFIX = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.PREFIX)
        super().__init__(*args, **kwargs)


class _Versioned(_OnCasePage):
    """A change to a case: carries the version the page showed (optimistic locking)."""

    version = HiddenField(validators=[InputRequired()])

    def expected_version(self) -> int:
        """The version the form was loaded with (0 when missing or garbled: always stale)."""
        raw = self.version.data or ""
        return int(raw) if raw.isdigit() else 0


class NoteForm(_OnCasePage):
    """A note or a logged call."""

    PREFIX = "note"

    text = TextAreaField(
        _l("Note"),
        validators=[
            DataRequired(_l("Write something first.")),
            Length(max=TEXT_LIMIT, message=_l("Use at most 5,000 characters.")),
        ],
        render_kw={"rows": 3},
    )
    is_call = BooleanField(_l("This was a phone call"))
    reached = BooleanField(_l("I reached the customer"))


class StatusForm(_Versioned):
    """Move the case to another status."""

    PREFIX = "status"

    status = SelectField(
        _l("Status"), choices=[SelectChoice(k, v) for k, v in STATUS_LABELS.items()]
    )

    def target(self) -> CaseStatus:
        """The chosen status."""
        return CaseStatus(self.status.data)


class AssignForm(_Versioned):
    """Give the case to someone (or back to the queue), optionally in another team."""

    PREFIX = "assign"

    owner_id = SelectField(_l("Owner"), validate_choice=False)
    team_id = SelectField(_l("Team"), validate_choice=False)


class RootCauseForm(_Versioned):
    """Tag the case with root causes from the taxonomy."""

    PREFIX = "causes"

    root_causes = SelectMultipleField(_l("Root causes"), coerce=int, validate_choice=False)


class ResolveForm(_Versioned):
    """Write the outcome (resolution text, root causes) and resolve the case."""

    PREFIX = "resolve"

    resolution = TextAreaField(
        _l("Resolution"),
        validators=[
            DataRequired(_l("Write what was done and what came of it.")),
            Length(max=TEXT_LIMIT, message=_l("Use at most 5,000 characters.")),
        ],
        description=_l("What was done, and what came of it."),
        render_kw={"rows": 3},
    )
    root_causes = SelectMultipleField(
        _l("Root causes"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(_l("Choose at least one root cause."))],
    )


class MessageForm(_OnCasePage):
    """The close-the-loop message to the customer."""

    PREFIX = "message"

    body = TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(_l("Write something first.")),
            Length(max=TEXT_LIMIT, message=_l("Use at most 5,000 characters.")),
        ],
        description=_l(
            "Sent by email in the customer's language, with your greeting above it and the "
            'question "Did we solve your issue?" below it.'
        ),
        render_kw={"rows": 8},
    )
