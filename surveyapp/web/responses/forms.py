"""The filter form of the response list (read from the query string, so no CSRF token)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from surveyapp.models import Channel, Survey, SurveyStatus
from surveyapp.services.responses import ResponseFilters
from surveyapp.services.surveys import SUPPORTED_SURVEY_LOCALES
from surveyapp.web.forms import BaseForm
from surveyapp.web.responses.presenters import language_name

CHANNEL_LABELS: dict[str, Any] = {
    Channel.EMAIL: _l("Email"),
    Channel.LINK: _l("Anonymous link"),
    Channel.WEB: _l("Website"),
    Channel.TEST: _l("Test link"),
}
BAND_LABELS: dict[str, Any] = {
    "promoter": _l("Promoters (NPS 9-10)"),
    "passive": _l("Passives (NPS 7-8)"),
    "detractor": _l("Detractors (NPS 0-6)"),
    "unhappy": _l("Unhappy (NPS 0-6, CSAT 1-3, CES 1-4)"),
    "not_unhappy": _l("Not unhappy"),
}
HAS_COMMENT = {"yes": True, "no": False}


def _choices(any_label: Any, labels: dict[str, Any]) -> list[SelectChoice]:
    return [SelectChoice("", any_label), *(SelectChoice(k, v) for k, v in labels.items())]


class ResponseFilterForm(BaseForm):
    """Narrow the response list; every field may stay empty ("any")."""

    class Meta:
        csrf = False  # a GET form that changes nothing: links to filtered lists must just work

    # Empty defaults: a filter left out of the query string means "any", not a bad choice.
    survey_id = SelectField(_l("Survey"), default="")
    channel = SelectField(
        _l("Channel"), choices=_choices(_l("Any channel"), CHANNEL_LABELS), default=""
    )
    band = SelectField(_l("Score band"), choices=_choices(_l("Any score"), BAND_LABELS), default="")
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    has_comment = SelectField(
        _l("Comment"),
        choices=_choices(_l("Any"), {"yes": _l("With comment"), "no": _l("Without comment")}),
        default="",
    )
    locale = SelectField(_l("Language"), default="")
    # The touchpoint filter comes with the touchpoints issue (responses carry no touchpoint yet).

    # Where the page starts; links carry it, the form never shows it.
    cursor = HiddenField()

    def __init__(self, *args: Any, surveys: Sequence[Survey] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.survey_id.choices = [SelectChoice("", _l("All surveys"))] + [
            SelectChoice(str(survey.id), _survey_label(survey)) for survey in surveys
        ]
        self.locale.choices = _choices(
            _l("Any language"), {code: language_name(code) for code in SUPPORTED_SURVEY_LOCALES}
        )

    def post_validate(self) -> bool:
        """The date range must not end before it starts."""
        if self.date_from.data and self.date_to.data and self.date_from.data > self.date_to.data:
            self.date_to.errors = [_l("The end date must not be before the start date.")]
            return False
        return True

    def to_filters(self) -> ResponseFilters:
        """The validated input as the service's filters."""
        return ResponseFilters(
            survey_id=int(self.survey_id.data) if self.survey_id.data else None,
            channel=Channel(self.channel.data) if self.channel.data else None,
            band=self.band.data or None,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            has_comment=HAS_COMMENT.get(self.has_comment.data or ""),
            locale=self.locale.data or None,
        )

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for page links), without empty ones."""
        values = {
            "survey_id": self.survey_id.data,
            "channel": self.channel.data,
            "band": self.band.data,
            "date_from": self.date_from.data.isoformat() if self.date_from.data else "",
            "date_to": self.date_to.data.isoformat() if self.date_to.data else "",
            "has_comment": self.has_comment.data,
            "locale": self.locale.data,
        }
        return {name: value for name, value in values.items() if value}


def _survey_label(survey: Survey) -> Any:
    if survey.status == SurveyStatus.ARCHIVED:
        return _l("%(name)s (archived)", name=survey.name)
    return survey.name
