"""Between the question form and the domain ``Question``: initial values and the built question.

Options are matched to their keys by position, so rewording an option keeps its key (and the
answers already given to it); new lines get keys no option of the question used before.
"""

from __future__ import annotations

from typing import Any

from surveyapp.domain.scoring import CHOICE_TYPES
from surveyapp.domain.survey_definition import Band, Option, Question, Wording
from surveyapp.web.surveys.question_forms import QuestionContext, QuestionForm, option_lines


def question_data(context: QuestionContext) -> dict[str, Any]:
    """The form's initial values: the existing question's, or defaults for a new one."""
    question = context.existing
    if question is None:
        return {"required": True}
    data: dict[str, Any] = {
        "required": question.required,
        "band_min": question.band.minimum if question.band else None,
        "band_max": question.band.maximum if question.band else None,
    }
    for locale in context.locales:
        wording = question.wording.get(locale, Wording())
        data[f"prompt_{locale}"] = wording.prompt
        data[f"low_{locale}"] = wording.low
        data[f"high_{locale}"] = wording.high
        labels = [option.labels.get(locale, "") for option in question.options]
        data[f"options_{locale}"] = "\n".join(label for label in labels if label)
    return data


def build_question(form: QuestionForm, key: str) -> Question:
    """The domain question from a validated form (texts of other languages are kept)."""
    context = form.context
    previous = context.existing
    wording = dict(previous.wording) if previous else {}
    for locale in context.locales:
        entered = Wording(
            prompt=_text(form, f"prompt_{locale}"),
            low=_text(form, f"low_{locale}"),
            high=_text(form, f"high_{locale}"),
        )
        if entered == Wording():
            wording.pop(locale, None)
        else:
            wording[locale] = entered
    band = None
    if context.band_scale is not None and form.band_min.data is not None:
        band = Band(form.band_min.data, form.band_max.data)
    return Question(
        key=key,
        type=context.question_type,
        required=bool(form.required.data),
        wording=wording,
        options=_options(form),
        band=band,
    )


def _text(form: QuestionForm, name: str) -> str:
    # Only rating questions have end labels; other types have no such field.
    return (form[name].data or "") if name in form else ""


def _options(form: QuestionForm) -> tuple[Option, ...]:
    context = form.context
    if context.question_type not in CHOICE_TYPES:
        return ()
    lines = {locale: option_lines(form[f"options_{locale}"].data) for locale in context.locales}
    previous = context.existing.options if context.existing else ()
    keys = _option_keys(previous, len(lines[context.default_locale]))
    options = []
    for index, key in enumerate(keys):
        # Options are matched by position, so a reworded option keeps its key (and its answers).
        labels = dict(previous[index].labels) if index < len(previous) else {}
        for locale, texts in lines.items():
            if index < len(texts):
                labels[locale] = texts[index]
            else:
                labels.pop(locale, None)
        options.append(Option(key, labels))
    return tuple(options)


def _option_keys(previous: tuple[Option, ...], count: int) -> list[str]:
    keys = [option.key for option in previous[:count]]
    used = {option.key for option in previous}
    number = 1
    while len(keys) < count:
        candidate = f"o{number}"
        if candidate not in used:
            keys.append(candidate)
            used.add(candidate)
        number += 1
    return keys
