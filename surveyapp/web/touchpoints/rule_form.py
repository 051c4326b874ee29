"""The trigger rule form: every setting of a rule with its label, help text and checks."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from surveyapp.domain.consent import ConsentChannel
from surveyapp.services.errors import ValidationFailed
from surveyapp.services.trigger_rules import MAX_DELAY_MINUTES
from surveyapp.web.forms import BaseForm
from surveyapp.web.touchpoints import rule_text
from surveyapp.web.touchpoints.labels import CHANNEL_LABELS, WEEKDAY_LABELS

DELAY_UNITS = {"minutes": 1, "hours": 60, "days": 24 * 60}
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
TIME_MESSAGE = _l("Give a time as HH:MM, from 00:00 to 23:59.")
# Service field names that the form shows under another field.
SERVICE_FIELDS = {
    "delay_minutes": "delay_value",
    "sampling_rate": "sampling_percent",
    "strata": "strata_attribute",
    "quiet": "quiet_start",
    "holidays": "holidays",
}


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]  # WTForms has no hints
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _days(label: Any, help_text: Any) -> IntegerField:
    return IntegerField(
        label,
        validators=[Optional(), NumberRange(min=1, max=3650, message=_l("Use 1 to 3650 days."))],
        description=help_text,
    )


class RuleForm(BaseForm):
    """Which survey a touchpoint's interactions trigger, on which channel, when and how often."""

    name = StringField(
        _l("Rule name"),
        validators=[
            InputRequired(_l("Enter a name.")),
            Length(max=120, message=_l("Use at most 120 characters.")),
        ],
        description=_l("For your overview, e.g. Every closed ticket."),
    )
    survey_id = SelectField(
        _l("Survey"),
        coerce=int,
        description=_l("Only surveys with a published version can be chosen."),
    )
    channel = SelectField(
        _l("Channel"),
        choices=[SelectChoice(value, text) for value, text in CHANNEL_LABELS.items()],
        default=ConsentChannel.EMAIL.value,
        description=_l(
            "Website: shown in the page right after the event (surveyapp.track), so the delay, "
            "quiet hours and reminders apply to email only."
        ),
    )
    allow_anonymous = BooleanField(
        _l("Website: also survey visitors who are not signed in"),
        description=_l(
            "The widget recognises such a visitor by a random id kept in their browser; "
            "recontact periods and consent then count per browser."
        ),
    )
    delay_value = IntegerField(
        _l("Send after"),
        default=1,
        validators=[
            InputRequired(_l("Enter a delay.")),
            NumberRange(min=0, message=_l("Use 0 or more.")),
        ],
        description=_l("Counted from when the interaction happened; 0 sends as soon as possible."),
    )
    delay_unit = SelectField(
        _l("Unit"),
        default="hours",
        choices=[
            SelectChoice("minutes", _l("minutes")),
            SelectChoice("hours", _l("hours")),
            SelectChoice("days", _l("days")),
        ],
    )
    sampling_percent = FloatField(
        _l("Sampling rate (%)"),
        default=100,
        widget=NumberInput(step="any", min=0, max=100),
        validators=[InputRequired(_l("Enter a sampling rate."))],
        description=_l(
            "The share of interactions that get a survey; 100 surveys everyone. The draw is "
            "fixed per interaction, so the same interaction is always drawn the same way."
        ),
    )
    strata_attribute = StringField(
        _l("Stratify by contact attribute"),
        validators=[
            Optional(),
            Regexp(rule_text.ATTRIBUTE.pattern, message=_l("Use letters, digits, _ . or -.")),
        ],
        description=_l("Optional, e.g. region: the strata below use their own sampling rate."),
    )
    strata_rates = TextAreaField(
        _l("Sampling rate per stratum"),
        render_kw={"rows": 3},
        description=_l(
            "One per line: value = percent, e.g. small-market = 100. Other values use the "
            "sampling rate above."
        ),
    )
    recontact_days_contact = _days(
        _l("Ask a contact at most once in (days)"),
        _l("Counts invitations of every survey. Leave empty for no limit."),
    )
    recontact_days_survey = _days(
        _l("Ask a contact this survey at most once in (days)"),
        _l("Counts invitations of this survey only. Leave empty for no limit."),
    )
    quiet_start = StringField(
        _l("Quiet from (HH:MM)"),
        validators=[Optional(), Regexp(TIME_PATTERN, message=TIME_MESSAGE)],
        description=_l("In the contact's time zone, e.g. 21:00."),
    )
    quiet_end = StringField(
        _l("Quiet until (HH:MM)"),
        validators=[Optional(), Regexp(TIME_PATTERN, message=TIME_MESSAGE)],
        description=_l("May be on the next morning, e.g. 08:00. A send due then waits."),
    )
    quiet_days = MultiCheckboxField(
        _l("No sends on"),
        coerce=int,
        choices=[SelectChoice(day, text) for day, text in WEEKDAY_LABELS.items()],
    )
    holidays = TextAreaField(
        _l("Holidays (no sends)"),
        render_kw={"rows": 3},
        description=_l(
            "One per line: region and date, e.g. DE-BY 2026-08-15; * stands for every region. "
            "The region is the contact's region attribute."
        ),
    )
    daily_cap = IntegerField(
        _l("Daily cap"),
        validators=[Optional(), NumberRange(min=1, message=_l("Use 1 or more, or leave empty."))],
        description=_l("At most this many invitations from this rule per day (UTC)."),
    )
    conditions = TextAreaField(
        _l("Conditions"),
        render_kw={"rows": 3},
        description=_l(
            "One per line; all must hold. E.g. interaction.queue eq billing, "
            "contact.plan in pro,enterprise or contact.value gte 1000. "
            "Operators: eq, ne, in, gt, gte, lt, lte."
        ),
    )
    reminder_days = _days(
        _l("Reminder after (days)"), _l("One reminder if there is no answer. Leave empty for none.")
    )
    expiry_days = IntegerField(
        _l("Link expires after (days)"),
        default=14,
        validators=[
            InputRequired(_l("Enter the number of days.")),
            NumberRange(1, 3650, message=_l("Use an expiry between 1 and 3650 days.")),
        ],
    )
    priority = IntegerField(
        _l("Priority"),
        default=100,
        validators=[
            InputRequired(_l("Enter a priority.")),
            NumberRange(0, 100000, message=_l("Use a number from 0 to 100000.")),
        ],
        description=_l(
            "When several active rules of this touchpoint apply, the lowest number wins: "
            "an interaction triggers at most one survey."
        ),
    )
    is_active = BooleanField(_l("Active: plan invitations for new interactions"), default=True)

    def validate_sampling_percent(self, field: FloatField) -> None:
        """A percentage from 0 to 100."""
        if field.data is not None and not 0 <= field.data <= 100:  # noqa: PLR2004
            raise ValidationError(gettext("Use a sampling rate between 0 and 100 %."))

    def validate_conditions(self, field: TextAreaField) -> None:
        """Each line must read ``<source>.<attribute> <operator> <value>``."""
        _parse(field, rule_text.parse_conditions)

    def validate_holidays(self, field: TextAreaField) -> None:
        """Each line must read ``<region> <YYYY-MM-DD>``."""
        _parse(field, rule_text.parse_holidays)

    def validate_strata_rates(self, field: TextAreaField) -> None:
        """Each line must read ``<value> = <percent>``."""
        _parse(field, rule_text.parse_stratum_rates)

    def post_validate(self) -> bool:
        """Check the settings that span several fields."""
        problems: list[tuple[Any, str]] = []
        if self.delay_value.data * DELAY_UNITS[self.delay_unit.data] > MAX_DELAY_MINUTES:
            problems.append((self.delay_value, gettext("Use a delay of at most 60 days.")))
        if bool(self.quiet_start.data) != bool(self.quiet_end.data):
            problems.append((self.quiet_start, gettext("Give both the start and the end.")))
        elif self.quiet_start.data and self.quiet_start.data == self.quiet_end.data:
            problems.append((self.quiet_end, gettext("The end must differ from the start.")))
        if bool(self.strata_attribute.data) != bool(self.strata_rates.data):
            problems.append(
                (self.strata_attribute, gettext("Give the attribute and at least one stratum."))
            )
        if self.reminder_days.data and self.reminder_days.data >= self.expiry_days.data:
            problems.append(
                (self.reminder_days, gettext("Send the reminder before the link expires."))
            )
        for field, message in problems:
            field.errors = [*field.errors, message]
        return not problems

    def apply_service_errors(self, error: ValidationFailed) -> None:
        """Show the service's errors next to the fields that hold those settings."""
        renamed = {SERVICE_FIELDS.get(key, key): text for key, text in error.field_errors.items()}
        super().apply_service_errors(ValidationFailed(error.message, renamed))
        # Settings the form has no field for (the touchpoint) are shown above the form.
        self.form_errors.extend(
            gettext(text) for name, text in renamed.items() if name not in self._fields
        )


def _parse(field: TextAreaField, parser: Any) -> None:
    try:
        parser(field.data or "")
    except rule_text.LineError as error:
        raise ValidationError(str(error)) from error
