"""Forms for managing users and teams."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from surveyapp.web.forms import BaseForm
from surveyapp.web.labels import ROLE_LABELS


def _role_field() -> SelectField:
    return SelectField(
        _l("Role"),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[DataRequired(_l("Choose a role."))],
    )


def _name_field() -> StringField:
    return StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter a name.")),
            Length(max=120, message=_l("Use at most 120 characters.")),
        ],
    )


class UserCreateForm(BaseForm):
    """Create a staff user; leave the password empty to have one generated."""

    email = StringField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter an email address.")),
            Length(max=254, message=_l("Use at most 254 characters.")),
            Email(_l("Enter a valid email address."), check_deliverability=False),
        ],
    )
    name = _name_field()
    role = _role_field()
    password = PasswordField(
        _l("Password"),
        validators=[
            Optional(),
            Length(min=12, max=200, message=_l("Use 12 to 200 characters.")),
        ],
        description=_l("Leave empty to generate a password; it is shown once after saving."),
        render_kw={"autocomplete": "new-password"},
    )
    team_ids = SelectMultipleField(_l("Teams"), coerce=int, validate_choice=True)


class UserEditForm(BaseForm):
    """Change a user's name, role, teams and whether the account is active."""

    name = _name_field()
    role = _role_field()
    is_active = BooleanField(_l("Active (may sign in)"))
    team_ids = SelectMultipleField(_l("Teams"), coerce=int, validate_choice=True)


class ResetPasswordForm(BaseForm):
    """Confirms a password reset (the CSRF token is the only field)."""


class TeamForm(BaseForm):
    """Create a team."""

    name = StringField(
        _l("Team name"),
        validators=[
            DataRequired(_l("Enter a team name.")),
            Length(max=120, message=_l("Use at most 120 characters.")),
        ],
    )
