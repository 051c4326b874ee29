"""Rendering the respondent pages: the survey form, the thank-you page and short messages.

Every public page goes through these functions, which render in the page's own locale (the
survey's language, not the staff user's) with ``flask_babel.force_locale``. The survey builder
calls ``render_survey_page(..., preview=True)`` for the staff preview of a draft.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from babel import Locale
from flask import render_template
from flask_babel import force_locale, gettext

from surveyapp.domain.answers import parse_score
from surveyapp.domain.scoring import QuestionType
from surveyapp.domain.survey_definition import Question, SurveyDefinition, Wording

PAGE_STEPS = ("first", "second", "done")
_KINDS = {
    QuestionType.SINGLE_CHOICE: "single",
    QuestionType.MULTI_CHOICE: "multi",
    QuestionType.TEXT: "text",
    QuestionType.CONTACT_REQUEST: "contact",
}


@dataclass(frozen=True)
class Choice:
    """One radio button or checkbox of a question."""

    id: str
    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class QuestionView:
    """A question as one page shows it: wording in the page's locale, values, its error."""

    key: str
    kind: str  # rating, single, multi, text or contact
    prompt: str
    required: bool
    choices: tuple[Choice, ...] = ()
    text: str = ""
    low: str = ""
    high: str = ""
    # Follow-ups on the first page: "min-max" or "any"; the script shows them for those scores.
    band: str | None = None
    error: str | None = None

    @property
    def dom_id(self) -> str:
        return f"q-{self.key}"

    @property
    def described_by(self) -> str:
        ids = [f"{self.dom_id}-error"] if self.error else []
        if self.kind == "rating":
            ids.append(f"{self.dom_id}-ends")
        return " ".join(ids)


@dataclass(frozen=True)
class LanguageLink:
    """One entry of the language switch: the same page in another of the survey's locales."""

    code: str
    name: str
    url: str
    current: bool


def language_name(code: str) -> str:
    """A language's name in that language ("Deutsch", "Français")."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def render_survey_page(
    definition: SurveyDefinition,
    locale: str,
    *,
    preview: bool = False,
    step: str = "first",
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    action: str | None = None,
    **extra: Any,
) -> str:
    """The survey form as a complete HTML page (own small layout, no staff chrome).

    ``step`` is ``"first"`` (the questions up to the rating; the score-band follow-ups are in
    the page, hidden and disabled, for the script to show), ``"second"`` (the follow-ups for
    the score in ``values``) or ``"done"`` (the thank-you page). ``values`` maps question keys
    to stored answers or to raw form values (lists of strings); ``errors`` maps question keys
    to untranslated messages (the ``N_`` msgids of ``domain.answers``). ``preview=True`` shows a
    "Preview" banner and a submit button that does nothing; no CSRF token or version is needed.

    Optional ``extra``: ``version`` (the version number for the hidden field),
    ``language_links`` (``LanguageLink`` list), ``provisional_url`` (where the script posts a
    shown score), ``form_message`` (untranslated message above the form).
    """
    if step == "done":
        return render_thank_you(definition, locale, preview=preview, **extra)
    primary = definition.primary_rating
    with force_locale(locale):
        questions = question_views(definition, locale, step=step, values=values, errors=errors)
        form_message = extra.pop("form_message", None)
        return render_template(
            "public/survey.html",
            page_locale=locale,
            preview=preview,
            step="second" if step == "second" else "first",
            questions=questions,
            has_follow_ups=any(question.band for question in questions),
            primary_key=primary.key if primary is not None else "",
            intro=_text(definition.intro, locale, definition.default_locale),
            action=action,
            form_message=gettext(form_message) if form_message else None,
            **extra,
        )


def question_views(
    definition: SurveyDefinition,
    locale: str,
    *,
    step: str = "first",
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[QuestionView]:
    """The questions of ``step`` as a page shows them (see ``render_survey_page``).

    Translates the error messages: call it inside ``force_locale(locale)``.
    """
    raw = {key: _as_form_values(value) for key, value in (values or {}).items()}
    return [
        _view(question, locale, definition.default_locale, raw, errors or {}, band)
        for question, band in _questions(definition, step, raw)
    ]


def render_thank_you(definition: SurveyDefinition, locale: str, **extra: Any) -> str:
    """The thank-you page with the survey's own text; ``change_url`` offers changing answers."""
    with force_locale(locale):
        return render_template(
            "public/thank_you.html",
            page_locale=locale,
            text=_text(definition.thank_you, locale, definition.default_locale),
            **extra,
        )


def render_message(locale: str, *, title: str, message: str, **extra: Any) -> str:
    """A short page: an error, "already answered", "closed". Texts are translated msgids.

    Optional ``extra``: ``hint`` (a second paragraph), ``link_url`` with ``link_text``,
    ``reference`` (a log reference), ``language_links``.
    """
    with force_locale(locale):
        translated = {
            key: gettext(value) if key in {"hint", "link_text"} and value else value
            for key, value in extra.items()
        }
        return render_template(
            "public/message.html",
            page_locale=locale,
            title=gettext(title),
            message=gettext(message),
            **translated,
        )


def _questions(
    definition: SurveyDefinition, step: str, values: Mapping[str, list[str]]
) -> list[tuple[Question, str | None]]:
    primary = definition.primary_rating
    if step == "second":
        raw = values.get(primary.key, []) if primary is not None else []
        score = parse_score(raw[0]) if raw else None
        return [(question, None) for question in definition.second_step(score)]
    first = definition.first_step()
    follow_ups = definition.questions[len(first) :] if primary is not None else ()
    return [(question, None) for question in first] + [
        (question, _band(question)) for question in follow_ups
    ]


def _band(question: Question) -> str:
    band = question.band
    return "any" if band is None else f"{band.minimum}-{band.maximum}"


def _view(  # noqa: PLR0917 -- one call site, all parts of one question's view
    question: Question,
    locale: str,
    default_locale: str,
    values: Mapping[str, list[str]],
    errors: Mapping[str, str],
    band: str | None,
) -> QuestionView:
    wording = question.wording.get(locale) or question.wording.get(default_locale) or Wording()
    selected = values.get(question.key, [])
    error = errors.get(question.key)
    kind = "rating" if question.is_rating else _KINDS[question.type]
    return QuestionView(
        key=question.key,
        kind=kind,
        prompt=wording.prompt,
        required=question.required,
        choices=_choices(question, kind, locale, default_locale, selected),
        text=selected[0] if kind == "text" and selected else "",
        low=wording.low,
        high=wording.high,
        band=band,
        error=gettext(error) if error else None,
    )


def _choices(
    question: Question, kind: str, locale: str, default_locale: str, selected: Sequence[str]
) -> tuple[Choice, ...]:
    if kind == "rating" and question.scale is not None:
        pairs = [(str(point), str(point)) for point in question.scale.points]
    elif kind == "contact":
        pairs = [("yes", gettext("Yes")), ("no", gettext("No"))]
    elif kind in {"single", "multi"}:
        pairs = [
            (option.key, option.labels.get(locale) or option.labels.get(default_locale) or "")
            for option in question.options
        ]
    else:
        return ()
    return tuple(
        Choice(
            id=f"q-{question.key}-{index}",
            value=value,
            label=label,
            checked=value in selected,
        )
        for index, (value, label) in enumerate(pairs)
    )


def _text(texts: Mapping[str, str], locale: str, default_locale: str) -> str:
    return texts.get(locale) or texts.get(default_locale) or ""


def _as_form_values(value: Any) -> list[str]:
    """Stored answers (int, bool, list, str) or raw form lists, as the form's string values."""
    if value is None:
        return []
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]
