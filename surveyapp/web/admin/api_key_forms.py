"""Forms for creating and revoking API keys."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from surveyapp.services.api_keys import SCOPES
from surveyapp.web.forms import BaseForm

SCOPE_LABELS: dict[str, Any] = {
    "interactions:write": _l("Post interactions"),
    "contacts:write": _l("Create and update contacts"),
    "consent:write": _l("Record consent"),
    "touchpoints:read": _l("Read touchpoints"),
    "responses:read": _l("Read responses, including comments"),
    "deliveries:write": _l("Report bounces and spam complaints"),
}


class ApiKeyForm(BaseForm):
    """Create a key for one integrating system, with the scopes it needs."""

    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter a name.")),
            Length(max=120, message=_l("Use at most 120 characters.")),
        ],
        description=_l("Name the system that will use the key, for example CRM or web shop."),
    )
    scopes = SelectMultipleField(
        _l("Scopes"),
        choices=[SelectChoice(scope, SCOPE_LABELS[scope]) for scope in SCOPES],
        validators=[DataRequired(_l("Choose at least one scope."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class RevokeApiKeyForm(BaseForm):
    """Confirms revoking the key ``key_id``."""

    key_id = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,18}$")])
