"""Forms of the contacts section: search, consent actions, privacy rights, settings, import."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentPolicy
from surveyapp.services.consent import MAX_CONSENT_TEXT
from surveyapp.web.contacts.labels import CHANNEL_LABELS, POLICY_LABELS
from surveyapp.web.forms import BaseForm


class ContactSearchForm(BaseForm):
    """Find contacts by external id, email or name (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        validators=[Length(max=200, message=_l("Use at most 200 characters."))],
        description=_l("Part of an external id, email address or name."),
    )


class ConsentRecordForm(BaseForm):
    """Record a grant or a withdrawal the contact told a staff member about."""

    channel = SelectField(
        _l("Channel"),
        choices=[
            SelectChoice(channel.value, CHANNEL_LABELS[channel]) for channel in ConsentChannel
        ],
        validators=[InputRequired(_l("Choose a channel."))],
    )
    action = SelectField(
        _l("What the contact said"),
        choices=[
            SelectChoice(ConsentAction.GRANTED.value, _l("Grants consent")),
            SelectChoice(ConsentAction.WITHDRAWN.value, _l("Withdraws consent")),
        ],
        validators=[InputRequired(_l("Choose grant or withdrawal."))],
    )


class EraseForm(BaseForm):
    """Erase a contact's personal data once the user has typed its external id."""

    confirmation = StringField(
        _l("Type the external id to confirm"),
        validators=[DataRequired(_l("Type the contact's external id to confirm."))],
        render_kw={"autocomplete": "off"},
    )

    def __init__(self, *args: Any, external_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._external_id = external_id

    def validate_confirmation(self, field: StringField) -> None:
        if field.data != self._external_id:
            raise ValidationError(_l("This is not the contact's external id; nothing was erased."))


def _policy_field(channel: ConsentChannel) -> RadioField:
    return RadioField(
        CHANNEL_LABELS[channel],
        # Labels stay lazy (translated per request); the template adds each explanation.
        choices=[SelectChoice(policy.value, POLICY_LABELS[policy]) for policy in ConsentPolicy],
        validators=[InputRequired(_l("Choose opt-in or opt-out."))],
    )


class ConsentPolicyForm(BaseForm):
    """The workspace's consent policy for each channel."""

    email = _policy_field(ConsentChannel.EMAIL)
    web = _policy_field(ConsentChannel.WEB)

    def policies(self) -> dict[ConsentChannel, ConsentPolicy]:
        """The chosen policy per channel."""
        return {channel: ConsentPolicy(self[channel.value].data) for channel in ConsentChannel}


class ConsentTextForm(BaseForm):
    """The consent wording for one language; every save becomes a new version."""

    body = TextAreaField(
        _l("Consent text"),
        validators=[
            DataRequired(_l("Enter the consent text.")),
            # Length fills in %(max)d.
            Length(max=MAX_CONSENT_TEXT, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"rows": 5},
    )


class ContactImportForm(BaseForm):
    """Upload a CSV file of contacts."""

    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv"], _l("Choose a file ending in .csv.")),
        ],
        description=_l("UTF-8, separated by commas or semicolons, with a header row."),
    )
