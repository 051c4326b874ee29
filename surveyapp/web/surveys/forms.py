"""Forms of the survey builder: new survey, settings with texts per language, small actions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from surveyapp.domain.survey_definition import SurveyDefinition
from surveyapp.models import Survey, SurveyKind
from surveyapp.services.surveys import SUPPORTED_SURVEY_LOCALES
from surveyapp.web.forms import BaseForm
from surveyapp.web.surveys.labels import (
    KIND_LABELS,
    QUESTION_TYPE_LABELS,
    TEMPLATE_LABELS,
    locale_name,
)

MAX_NAME_LENGTH = 120
MAX_TEXT_LENGTH = 2000
MAX_EDIT_WINDOW_MINUTES = 7 * 24 * 60
BLANK_TEMPLATE = "blank"


def _name_field() -> StringField:
    return StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter a name.")),
            Length(max=MAX_NAME_LENGTH, message=_l("Use at most 120 characters.")),
        ],
        description=_l("Staff see the name; customers never do."),
    )


def _kind_field() -> SelectField:
    return SelectField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        default=SurveyKind.TRANSACTIONAL.value,
        description=_l(
            "Transactional surveys ask about one interaction, such as a closed support ticket; "
            "relational surveys ask about the relationship as a whole."
        ),
    )


def _locale_choices() -> list[SelectChoice]:
    # Built per form instance, so the names follow the staff user's language.
    return [SelectChoice(code, locale_name(code)) for code in SUPPORTED_SURVEY_LOCALES]


class NewSurveyForm(BaseForm):
    """Name, kind and the template a new survey starts from."""

    name = _name_field()
    kind = _kind_field()
    template = RadioField(
        _l("Start from"),
        choices=[SelectChoice(value, label) for value, label in TEMPLATE_LABELS.items()],
        default="nps",
    )

    @property
    def template_name(self) -> str | None:
        """The service's template name; ``None`` for a blank survey."""
        return None if self.template.data == BLANK_TEMPLATE else self.template.data


class SettingsForm(BaseForm):
    """A survey's settings; ``settings_form_class`` adds the texts of each language."""

    text_locales: tuple[str, ...] = ()

    name = _name_field()
    kind = _kind_field()
    locales = SelectMultipleField(
        _l("Languages"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Choose at least one language."))],
        description=_l("Customers see the survey in their language when it is offered here."),
    )
    default_locale = SelectField(
        _l("Default language"),
        description=_l("Used for customers whose language the survey does not offer."),
    )
    link_enabled = BooleanField(_l("Anonymous link enabled (anyone with the link may answer)"))
    edit_window_minutes = IntegerField(
        _l("Edit window in minutes"),
        validators=[
            InputRequired(_l("Enter a number of minutes.")),
            NumberRange(
                min=0,
                max=MAX_EDIT_WINDOW_MINUTES,
                message=_l("Enter a number of minutes from 0 to 10080 (one week)."),
            ),
        ],
        description=_l("How long respondents may still change their answers; 0 for not at all."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locales.choices = _locale_choices()
        self.default_locale.choices = _locale_choices()

    def texts(self, kind: str) -> dict[str, str]:
        """The ``intro`` or ``thank_you`` text of every language shown on the form."""
        return {locale: self[f"{kind}_{locale}"].data or "" for locale in self.text_locales}


def settings_form_class(locales: Sequence[str]) -> type[SettingsForm]:
    """A settings form with an introduction and a thank-you field for each of ``locales``."""
    attributes: dict[str, Any] = {"text_locales": tuple(locales)}
    too_long = _l("Use at most 2000 characters.")
    for locale in locales:
        attributes[f"intro_{locale}"] = TextAreaField(
            _l("Introduction"),
            validators=[Length(max=MAX_TEXT_LENGTH, message=too_long)],
            description=_l("Shown above the first question; optional."),
            render_kw={"rows": 2},
        )
        attributes[f"thank_you_{locale}"] = TextAreaField(
            _l("Thank-you text"),
            validators=[Length(max=MAX_TEXT_LENGTH, message=too_long)],
            description=_l("Shown after the last answer; needed before publishing."),
            render_kw={"rows": 2},
        )
    return type("LocalisedSettingsForm", (SettingsForm,), attributes)


def settings_data(survey: Survey, definition: SurveyDefinition) -> dict[str, Any]:
    """The settings form's initial values from the survey and its draft."""
    data: dict[str, Any] = {
        "name": survey.name,
        "kind": survey.kind.value,
        "locales": list(definition.locales),
        "default_locale": definition.default_locale,
        "link_enabled": survey.link_enabled,
        "edit_window_minutes": definition.edit_window_minutes,
    }
    for locale in SUPPORTED_SURVEY_LOCALES:
        data[f"intro_{locale}"] = definition.intro.get(locale, "")
        data[f"thank_you_{locale}"] = definition.thank_you.get(locale, "")
    return data


class AddQuestionForm(BaseForm):
    """Choosing the type of a new question (a GET form: it only opens the question page)."""

    class Meta:
        csrf = False

    type = SelectField(
        _l("Question type"),
        choices=[SelectChoice(kind.value, label) for kind, label in QUESTION_TYPE_LABELS.items()],
        validators=[DataRequired(_l("Choose a question type."))],
    )


class MoveForm(BaseForm):
    """Moving a question one place up or down."""

    direction = HiddenField(validators=[AnyOf(["up", "down"])])

    @property
    def offset(self) -> int:
        """-1 for up, +1 for down."""
        return -1 if self.direction.data == "up" else 1


class TestLinkForm(BaseForm):
    """The language of a personal test link."""

    __test__ = False  # not a pytest test class, despite the name

    locale = SelectField(_l("Language"))

    def __init__(self, locales: Sequence[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = [SelectChoice(code, locale_name(code)) for code in locales]
