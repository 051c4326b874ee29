"""Report filter form (read from the query string) and the improvement log's entry form."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from surveyapp.services.reporting.choices import ReportChoices
from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.services.reporting.improvements import ImprovementInput
from surveyapp.services.surveys import SUPPORTED_SURVEY_LOCALES
from surveyapp.web.forms import BaseForm
from surveyapp.web.responses.forms import CHANNEL_LABELS
from surveyapp.web.responses.presenters import language_name


def _options(any_label: Any, pairs: list[tuple[str, Any]]) -> list[SelectChoice]:
    return [SelectChoice("", any_label), *(SelectChoice(value, label) for value, label in pairs)]


class ReportFilterForm(BaseForm):
    """The dashboard's filters; parsed by ``services.reporting.filters.parse_filters``."""

    class Meta:
        csrf = False  # a GET form that changes nothing: filtered dashboards are shareable links

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    touchpoint_id = SelectField(_l("Touchpoint"), default="", validate_choice=False)
    team_id = SelectField(_l("Team"), default="", validate_choice=False)
    channel = SelectField(_l("Channel"), default="", validate_choice=False)
    survey_id = SelectField(_l("Survey"), default="", validate_choice=False)
    locale = SelectField(_l("Language"), default="", validate_choice=False)
    attribute = StringField(_l("Contact attribute"), description=_l("For example plan or region."))
    attribute_value = StringField(_l("Attribute value"))

    def __init__(self, *args: Any, choices: ReportChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.touchpoint_id.choices = _options(
            _l("All touchpoints"), [(str(t.id), t.name) for t in choices.touchpoints]
        )
        self.team_id.choices = _options(
            _l("All teams"), [(str(t.id), t.name) for t in choices.teams]
        )
        self.channel.choices = _options(_l("Any channel"), list(CHANNEL_LABELS.items()))
        self.survey_id.choices = _options(
            _l("All surveys"), [(str(s.id), s.name) for s in choices.surveys]
        )
        self.locale.choices = _options(
            _l("Any language"), [(code, language_name(code)) for code in SUPPORTED_SURVEY_LOCALES]
        )

    def show(self, filters: ReportFilters) -> None:
        """Fill the fields with the filters in force (defaults included)."""
        self.date_from.data = filters.date_from
        self.date_to.data = filters.date_to


class ImprovementForm(BaseForm):
    """Record a change in the improvement log."""

    changed_on = DateField(_l("Date of the change"), validators=[DataRequired()])
    title = StringField(_l("What changed"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    touchpoint_id = SelectField(_l("Touchpoint"), default="", validate_choice=False)
    root_cause_id = SelectField(_l("Root cause it addresses"), default="", validate_choice=False)

    def __init__(self, *args: Any, choices: ReportChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.touchpoint_id.choices = _options(
            _l("All touchpoints"), [(str(t.id), t.name) for t in choices.touchpoints]
        )
        self.root_cause_id.choices = _options(
            _l("None"), [(str(c.id), c.name) for c in choices.root_causes]
        )

    def to_input(self) -> ImprovementInput:
        """The validated input for the service (which checks the chosen entries exist)."""
        return ImprovementInput(
            changed_on=self.changed_on.data,
            title=self.title.data or "",
            description=self.description.data or "",
            touchpoint_id=_identifier(self.touchpoint_id.data),
            root_cause_id=_identifier(self.root_cause_id.data),
        )


def _identifier(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None
