"""The subscribe form: which report, how often, in which time zone and language."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from surveyapp.domain.report_periods import Cadence
from surveyapp.services.reporting.subscriptions import Scope
from surveyapp.web.forms import BaseForm
from surveyapp.web.i18n import LOCALE_NAMES

CADENCE_LABELS: dict[str, Any] = {
    Cadence.WEEKLY: _l("Weekly, on Monday at 07:00"),
    Cadence.MONTHLY: _l("Monthly, on the 1st at 07:00"),
}


@cache
def _timezones() -> list[str]:
    return sorted(available_timezones())


def scope_value(scope: Scope) -> str:
    """``team:3`` or ``touchpoint:7``: one select option per team or touchpoint."""
    if scope.team_id is not None:
        return f"team:{scope.team_id}"
    return f"touchpoint:{scope.touchpoint_id}"


class SubscribeForm(BaseForm):
    """Subscribe to a team's or touchpoint's report."""

    scope = SelectField(_l("Report about"), validators=[InputRequired()])
    cadence = RadioField(
        _l("How often"),
        choices=[SelectChoice(key, label) for key, label in CADENCE_LABELS.items()],
        default=Cadence.WEEKLY.value,
        validators=[InputRequired()],
    )
    timezone = SelectField(_l("Time zone"), validators=[InputRequired()])
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LOCALE_NAMES.items()],
        validators=[InputRequired()],
    )

    def __init__(self, *args: Any, scopes: Sequence[Scope] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = [SelectChoice(scope_value(s), s.name) for s in scopes if s.team_id is not None]
        touchpoints = [SelectChoice(scope_value(s), s.name) for s in scopes if s.team_id is None]
        self.scope.choices = {
            str(_l("Teams")): teams,
            str(_l("Touchpoints")): touchpoints,
        }
        self.timezone.choices = [SelectChoice(zone, zone) for zone in _timezones()]

    def scope_ids(self) -> tuple[int | None, int | None]:
        """``(team_id, touchpoint_id)`` of the chosen scope (one of them is ``None``)."""
        kind, _, identifier = (self.scope.data or "").partition(":")
        number = int(identifier) if identifier.isdigit() else None
        return (number, None) if kind == "team" else (None, number)


class EndSubscriptionForm(BaseForm):
    """End one subscription: its id, in a hidden field of the list's button."""

    subscription_id = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
