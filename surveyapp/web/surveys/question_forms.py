"""The question form: wording per language, scale end labels, options and the score band.

The form is built per survey (one group of fields per language) and per question type;
``question_building`` turns it into the domain ``Question`` the service stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from surveyapp.domain.scoring import CHOICE_TYPES, SCALES, QuestionType, Scale
from surveyapp.domain.survey_definition import Question, SurveyDefinition
from surveyapp.web.forms import BaseForm
from surveyapp.web.surveys.labels import END_LABEL_EXAMPLES, locale_name

MAX_PROMPT_LENGTH = 500
MAX_LABEL_LENGTH = 120
MAX_OPTION_LENGTH = 200


@dataclass(frozen=True)
class QuestionContext:
    """What the form needs to know about the survey and the question's place in it."""

    question_type: QuestionType
    locales: tuple[str, ...]  # the default language first
    default_locale: str
    # The first rating question: a band refers to its scale. None when no band may be set.
    band_rating: Question | None
    existing: Question | None

    @property
    def band_scale(self) -> Scale | None:
        """The scale a band is chosen from, when one may be set."""
        return self.band_rating.scale if self.band_rating else None


def question_context(
    definition: SurveyDefinition, question_type: QuestionType, existing: Question | None
) -> QuestionContext:
    """The form context of a new (appended) or ``existing`` question of ``definition``."""
    keys = [question.key for question in definition.questions]
    position = keys.index(existing.key) if existing else len(keys)
    primary = definition.primary_rating
    # Bands only make sense after the first rating, whose score decides who sees the question.
    offered = primary is not None and keys.index(primary.key) < position
    others = tuple(locale for locale in definition.locales if locale != definition.default_locale)
    return QuestionContext(
        question_type=question_type,
        locales=(definition.default_locale, *others),
        default_locale=definition.default_locale,
        band_rating=primary if offered else None,
        existing=existing,
    )


def option_lines(text: str | None) -> list[str]:
    """The options typed into a text area, one per non-empty line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class QuestionForm(BaseForm):
    """A question's fields; ``question_form_class`` adds the per-language and band fields."""

    context: QuestionContext

    required = BooleanField(_l("An answer is required"), default=True)

    def post_validate(self) -> bool:
        """Check the band against the rating scale and the option counts across languages."""
        band_ok = self._check_band()
        return self._check_options() and band_ok

    def _check_band(self) -> bool:
        scale = self.context.band_scale
        if scale is None:
            return True
        low, high = self.band_min, self.band_max
        if low.data is None and high.data is None:
            return True
        if low.data is None or high.data is None:
            missing = low if low.data is None else high
            missing.errors.append(gettext("Enter both ends of the band, or neither."))
            return False
        ok = True
        for field in (low, high):
            if not scale.contains(field.data):
                message = gettext(
                    "Choose a score from %(minimum)s to %(maximum)s.",
                    minimum=scale.minimum,
                    maximum=scale.maximum,
                )
                field.errors.append(message)
                ok = False
        if ok and low.data > high.data:
            low.errors.append(gettext("The band's first score must not be above its last score."))
            ok = False
        return ok

    def _check_options(self) -> bool:
        if self.context.question_type not in CHOICE_TYPES:
            return True
        default = self.context.default_locale
        expected = len(option_lines(self[f"options_{default}"].data))
        ok = True
        for locale in self.context.locales:
            field = self[f"options_{locale}"]
            lines = option_lines(field.data)
            if any(len(line) > MAX_OPTION_LENGTH for line in lines):
                field.errors.append(gettext("Use at most 200 characters per option."))
                ok = False
            # An empty language is not translated yet (listed as a problem before publishing).
            if lines and len(lines) != expected:
                message = gettext(
                    "Enter as many options as in %(language)s (%(count)s), one per line.",
                    language=locale_name(default),
                    count=expected,
                )
                field.errors.append(message)
                ok = False
        return ok


def question_form_class(context: QuestionContext) -> type[QuestionForm]:
    """A question form with the fields of every language of the survey and, if offered, a band."""
    attributes: dict[str, Any] = {"context": context}
    for locale in context.locales:
        attributes.update(_wording_fields(context, locale))
    if context.band_scale is not None:
        attributes["band_min"] = IntegerField(_l("From score"), validators=[Optional()])
        attributes["band_max"] = IntegerField(_l("To score"), validators=[Optional()])
    return type("LocalisedQuestionForm", (QuestionForm,), attributes)


def _wording_fields(context: QuestionContext, locale: str) -> dict[str, Any]:
    is_default = locale == context.default_locale
    prompt_validators: list[Any] = [
        Length(max=MAX_PROMPT_LENGTH, message=_l("Use at most 500 characters."))
    ]
    if is_default:
        prompt_validators.insert(0, DataRequired(_l("Enter the question text.")))
    fields: dict[str, Any] = {
        f"prompt_{locale}": TextAreaField(
            _l("Question text"), validators=prompt_validators, render_kw={"rows": 2}
        )
    }
    scale = SCALES.get(context.question_type)
    if scale is not None:
        fields.update(_end_label_fields(context.question_type, scale, locale))
    if context.question_type in CHOICE_TYPES:
        options_validators: list[Any] = [Optional()]
        if is_default:
            options_validators = [DataRequired(_l("Enter the options, one per line."))]
        fields[f"options_{locale}"] = TextAreaField(
            _l("Options, one per line"),
            validators=options_validators,
            description=_l(
                "Line 1 is the same option in every language, line 2 the next, and so on. "
                "Leave a language empty until it is translated."
            ),
            render_kw={"rows": 4},
        )
    return fields


def _end_label_fields(question_type: QuestionType, scale: Scale, locale: str) -> dict[str, Any]:
    too_long = _l("Use at most 120 characters.")
    low_example, high_example = END_LABEL_EXAMPLES[question_type]
    # Every scale runs from low to high; good_end says which of the two ends is the good one.
    low_is_good = scale.good_end == "low"
    low_end = _l("the good end") if low_is_good else _l("the bad end")
    high_end = _l("the bad end") if low_is_good else _l("the good end")
    return {
        f"low_{locale}": StringField(
            _l("Label of the lowest score, %(point)s (%(end)s)", point=scale.minimum, end=low_end),
            validators=[Length(max=MAX_LABEL_LENGTH, message=too_long)],
            description=_l("For example: %(example)s", example=low_example),
        ),
        f"high_{locale}": StringField(
            _l(
                "Label of the highest score, %(point)s (%(end)s)", point=scale.maximum, end=high_end
            ),
            validators=[Length(max=MAX_LABEL_LENGTH, message=too_long)],
            description=_l("For example: %(example)s", example=high_example),
        ),
    }
