"""The website form: name, allowed origins, theme and behaviour of the widget."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields import ColorField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Regexp

from surveyapp.domain.embed import THEME_COLOUR, Position
from surveyapp.services.embed.sites import DEFAULT_COLOUR, SiteSettings
from surveyapp.web.forms import BaseForm

POSITION_LABELS = {
    Position.BOTTOM_RIGHT.value: _l("Bottom right"),
    Position.BOTTOM_LEFT.value: _l("Bottom left"),
}


class SiteForm(BaseForm):
    """A website that may show surveys with the snippet."""

    name = StringField(
        _l("Name"),
        validators=[
            InputRequired(_l("Enter a name.")),
            Length(max=120, message=_l("Use at most 120 characters.")),
        ],
        description=_l("For your overview, e.g. Web shop."),
    )
    allowed_origins = TextAreaField(
        _l("Allowed origins"),
        validators=[InputRequired(_l("Give at least one origin."))],
        render_kw={"rows": 3},
        description=_l(
            "One per line, e.g. https://shop.example.com. The survey appears only on pages of "
            "these origins; http only for localhost while trying it out."
        ),
    )
    theme_colour = ColorField(
        _l("Colour"),
        default=DEFAULT_COLOUR,
        validators=[Regexp(THEME_COLOUR.pattern, message=_l("Choose a colour."))],
        description=_l("Of the title bar and the buttons; the text colour follows for contrast."),
    )
    position = SelectField(
        _l("Position"),
        choices=[SelectChoice(value, text) for value, text in POSITION_LABELS.items()],
        default=Position.BOTTOM_RIGHT.value,
    )
    start_minimized = BooleanField(
        _l("Start minimized: a small tab the visitor opens"),
        description=_l("Otherwise the survey opens by itself at the bottom of the page."),
    )
    explain_decisions = BooleanField(
        _l("Explain decisions in the browser console"),
        description=_l(
            "For trying out the integration: the widget logs why no survey was shown. "
            "Visitors can read the console too, so switch it off afterwards."
        ),
    )
    is_active = BooleanField(_l("Active: show surveys on this website"), default=True)

    def settings(self) -> SiteSettings:
        """The validated input as the service's ``SiteSettings``."""
        return SiteSettings(
            name=self.name.data,
            allowed_origins=(self.allowed_origins.data or "").splitlines(),
            theme_colour=self.theme_colour.data,
            position=Position(self.position.data),
            start_minimized=self.start_minimized.data,
            explain_decisions=self.explain_decisions.data,
            is_active=self.is_active.data,
        )


class SecretForm(BaseForm):
    """Confirms showing or replacing a site's secret (a POST, so it is audited and CSRF-safe)."""
