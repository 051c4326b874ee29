"""Forms for signing in, choosing the language and changing one's password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from surveyapp.web.forms import BaseForm
from surveyapp.web.i18n import LOCALE_NAMES

PASSWORD_MAX = 200


class LoginForm(BaseForm):
    """Email and password."""

    email = StringField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email.")), Length(max=254)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class LanguageForm(BaseForm):
    """The language switch in the navigation."""

    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LOCALE_NAMES.items()],
        validators=[DataRequired()],
    )
    next = HiddenField()


class AccountForm(BaseForm):
    """The signed-in user's own settings."""

    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("Same as my browser")),
            *(SelectChoice(code, name) for code, name in LOCALE_NAMES.items()),
        ],
    )


class PasswordChangeForm(BaseForm):
    """Change one's own password."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Enter a new password.")),
            Length(min=12, max=PASSWORD_MAX, message=_l("Use 12 to 200 characters.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", _l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
