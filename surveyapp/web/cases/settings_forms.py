"""Forms of the case settings: case rules, team SLAs, root causes."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from surveyapp.domain.case_rules import clean_keywords
from surveyapp.models import CaseRule, TeamCaseSettings
from surveyapp.services.cases.settings import RuleSettings, TeamSettings
from surveyapp.web.forms import BaseForm

WEEKDAYS = [
    SelectChoice(1, _l("Monday")),
    SelectChoice(2, _l("Tuesday")),
    SelectChoice(3, _l("Wednesday")),
    SelectChoice(4, _l("Thursday")),
    SelectChoice(5, _l("Friday")),
    SelectChoice(6, _l("Saturday")),
    SelectChoice(7, _l("Sunday")),
]
HOUR_MINUTE = Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", message=_l("Use HH:MM, e.g. 09:00."))


def _threshold(label: Any, top: int, bottom: int) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(bottom, top, message=_l("Choose a score on the scale, or leave it empty.")),
        ],
    )


class RuleForm(BaseForm):
    """When answers open a case for one survey or touchpoint."""

    is_active = BooleanField(
        _l("Open cases from scores, options and keywords"),
        description=_l('Off: only "please contact me" answers open cases.'),
    )
    nps_max = _threshold(_l("NPS at or below"), 10, 0)
    csat_max = _threshold(_l("CSAT at or below"), 5, 1)
    ces_max = _threshold(_l("CES at or below"), 7, 1)
    options = SelectMultipleField(
        _l("Chosen options that open a case"), validate_choice=False, render_kw={"size": 6}
    )
    keywords = TextAreaField(
        _l("Keywords in comments"),
        description=_l("One per line; found anywhere in a comment, ignoring capitals."),
        render_kw={"rows": 4},
    )
    priority_attribute = StringField(
        _l("Contact attribute that raises the priority"),
        validators=[Optional(), Length(max=64, message=_l("Use at most 64 characters."))],
        description=_l("For example tier or account_value_band."),
    )
    priority_values = StringField(
        _l("Values of that attribute"),
        validators=[Optional(), Length(max=500, message=_l("Use at most 500 characters."))],
        description=_l("Comma-separated, for example gold, platinum."),
    )
    team_id = SelectField(
        _l("Team for answers without a touchpoint"),
        validate_choice=False,
        description=_l("Anonymous link answers have no touchpoint: their cases go here."),
    )

    def post_validate(self) -> bool:
        """The keywords must each be short and not too many."""
        try:
            clean_keywords(self.keywords.data or "")
        except ValueError:
            self.keywords.errors = [_l("Use at most 50 keywords of at most 60 characters.")]
            return False
        return True

    def load(self, rule: CaseRule | None) -> None:
        """Fill the form from ``rule`` (the defaults without one)."""
        settings = RuleSettings() if rule is None else _rule_settings(rule)
        self.is_active.data = settings.is_active
        self.nps_max.data, self.csat_max.data = settings.nps_max, settings.csat_max
        self.ces_max.data = settings.ces_max
        self.options.data = list(settings.options)
        self.keywords.data = "\n".join(settings.keywords)
        self.priority_attribute.data = settings.priority_attribute or ""
        self.priority_values.data = ", ".join(settings.priority_values)
        self.team_id.data = str(settings.team_id or "")

    def settings(self) -> RuleSettings:
        """The validated input as the service's settings."""
        return RuleSettings(
            is_active=bool(self.is_active.data),
            nps_max=self.nps_max.data,
            csat_max=self.csat_max.data,
            ces_max=self.ces_max.data,
            options=tuple(self.options.data or ()),
            keywords=clean_keywords(self.keywords.data or ""),
            priority_attribute=self.priority_attribute.data or None,
            priority_values=tuple(
                v.strip() for v in (self.priority_values.data or "").split(",") if v.strip()
            ),
            team_id=int(self.team_id.data) if self.team_id.data else None,
        )


def _rule_settings(rule: CaseRule) -> RuleSettings:
    return RuleSettings(
        is_active=rule.is_active,
        nps_max=rule.nps_max,
        csat_max=rule.csat_max,
        ces_max=rule.ces_max,
        options=tuple(rule.options),
        keywords=tuple(rule.keywords),
        priority_attribute=rule.priority_attribute,
        priority_values=tuple(rule.priority_values),
        team_id=rule.team_id,
    )


def _hours(label: Any, minimum: int = 1) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            DataRequired(_l("Give a number of hours.")) if minimum else Optional(),
            NumberRange(minimum, 2160, message=_l("Give between 1 and 2,160 hours.")),
        ],
    )


class TeamSettingsForm(BaseForm):
    """A team's SLA (hours to the first action and to the resolution) and assignment."""

    first_action_hours = _hours(_l("First action within (hours)"))
    resolution_hours = _hours(_l("Resolution within (hours)"))
    uses_working_hours = BooleanField(
        _l("Count working hours only"),
        description=_l("Off: calendar hours, nights and weekends included."),
    )
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    working_days = SelectMultipleField(
        _l("Working days"),
        choices=WEEKDAYS,
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    day_start = StringField(_l("Working day starts"), validators=[HOUR_MINUTE])
    day_end = StringField(_l("Working day ends"), validators=[HOUR_MINUTE])
    holidays = TextAreaField(
        _l("Holidays"),
        description=_l("One date per line, e.g. 2026-12-25."),
        render_kw={"rows": 3},
    )
    escalation_grace_hours = IntegerField(
        _l("Tell the managers this many hours after a missed due time"),
        validators=[
            Optional(),
            NumberRange(0, 2160, message=_l("Give between 0 and 2,160 hours.")),
        ],
    )
    round_robin = BooleanField(
        _l("Assign new cases round-robin"),
        description=_l("To the team's agent with the fewest open cases."),
    )
    max_open_per_agent = IntegerField(
        _l("At most this many open cases per agent"),
        validators=[Optional(), NumberRange(1, 10000, message=_l("Give at least 1."))],
        description=_l("Leave empty for no limit. Agents at the limit get no new cases."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(zone, zone) for zone in sorted(available_timezones())]

    def post_validate(self) -> bool:
        """Holidays must be dates."""
        try:
            self.holiday_dates()
        except ValueError:
            self.holidays.errors = [_l("Write one date per line as YYYY-MM-DD.")]
            return False
        return True

    def holiday_dates(self) -> tuple[date, ...]:
        """The holidays as dates (``ValueError`` for a line that is not one)."""
        lines = (line.strip() for line in (self.holidays.data or "").splitlines())
        return tuple(date.fromisoformat(line) for line in lines if line)

    def load(self, row: TeamCaseSettings | None) -> None:
        """Fill the form from a team's settings (the defaults without any)."""
        defaults = TeamSettings()
        for name in TeamSettings.__dataclass_fields__:
            value = getattr(row, name) if row is not None else getattr(defaults, name)
            getattr(self, name).data = value
        self.working_days.data = list(self.working_days.data or ())
        holidays = row.holidays if row is not None else []
        self.holidays.data = "\n".join(holidays)

    def settings(self) -> TeamSettings:
        """The validated input as the service's settings."""
        return TeamSettings(
            first_action_hours=self.first_action_hours.data,
            resolution_hours=self.resolution_hours.data,
            uses_working_hours=bool(self.uses_working_hours.data),
            timezone=self.timezone.data or "UTC",
            working_days=tuple(self.working_days.data or ()),
            day_start=self.day_start.data,
            day_end=self.day_end.data,
            holidays=self.holiday_dates(),
            escalation_grace_hours=self.escalation_grace_hours.data or 0,
            round_robin=bool(self.round_robin.data),
            max_open_per_agent=self.max_open_per_agent.data,
        )


class RootCauseForm(BaseForm):
    """Add a root cause to the taxonomy, or rename or retire one."""

    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter a name.")),
            Length(max=120, message=_l("Use at most 120 characters.")),
        ],
    )
    description = StringField(
        _l("Description"),
        validators=[Optional(), Length(max=500, message=_l("Use at most 500 characters."))],
    )
    is_active = BooleanField(_l("Offered for new tags"), default=True)
