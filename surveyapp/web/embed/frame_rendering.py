"""Rendering the widget's frame pages in the visitor's language, framed only by the site.

The frame reuses the respondent pages' questions and CSS with its own compact layout; every
page (errors too) lists the site's allowed origins in ``frame-ancestors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, g, render_template, url_for
from flask_babel import force_locale, gettext

from surveyapp.domain.survey_definition import SurveyDefinition
from surveyapp.web.public.errors import request_locale
from surveyapp.web.public.rendering import question_views

# The frame page's own policy: the survey's scripts and styles, framed by the site only.
_FRAME_CSP = (
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
)


@dataclass(frozen=True)
class FramePlace:
    """Where the frame is: its site (theme, allowed origins) and the page that embeds it."""

    site_key: str
    allowed_origins: tuple[str, ...]
    origin: str | None
    locale: str


def remember_place(place: FramePlace) -> None:
    """Keep the frame's place for the page, the error pages and the headers of this request."""
    g.embed_frame_place = place


def frame_locale() -> str:
    """The frame's language: its invitation's once known, else the browser's."""
    place: FramePlace | None = g.get("embed_frame_place")
    return place.locale if place is not None else request_locale()


def frame_policy() -> str:
    """The Content-Security-Policy of a frame page: framed by the site's origins, or by none."""
    place: FramePlace | None = g.get("embed_frame_place")
    ancestors = " ".join(place.allowed_origins) if place and place.allowed_origins else "'none'"
    return "; ".join((*_FRAME_CSP, f"frame-ancestors {ancestors}"))


def add_frame_headers(response: Response) -> Response:
    """The frame's own CSP (the app's default forbids framing) and no caching."""
    response.headers["Content-Security-Policy"] = frame_policy()
    response.headers["Cache-Control"] = "no-store"
    return response


def _render(template: str, locale: str, **context: Any) -> str:
    place: FramePlace | None = g.get("embed_frame_place")
    theme = url_for("embed_frame.theme", site_key=place.site_key) if place else None
    with force_locale(locale):
        return render_template(
            template,
            page_locale=locale,
            theme_url=theme,
            parent_origin=place.origin if place else None,
            **context,
        )


def render_frame_survey(
    definition: SurveyDefinition,
    locale: str,
    *,
    step: str,
    action: str,
    version: int,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    form_message: str | None = None,
) -> str:
    """The survey form in the frame (follow-ups of the first step appear with the script)."""
    with force_locale(locale):
        questions = question_views(definition, locale, step=step, values=values, errors=errors)
        message = gettext(form_message) if form_message else None
    primary = definition.primary_rating
    return _render(
        "public/embed/survey.html",
        locale,
        questions=questions,
        step="second" if step == "second" else "first",
        has_follow_ups=any(question.band for question in questions),
        primary_key=primary.key if primary is not None else "",
        intro=_text(definition.intro, locale, definition.default_locale) if step == "first" else "",
        action=action,
        version=version,
        form_message=message,
    )


def render_frame_consent(
    locale: str, *, text: str, text_locale: str, text_version_id: int, action: str
) -> str:
    """The consent question with the current consent text, before the survey."""
    return _render(
        "public/embed/consent.html",
        locale,
        text=text,
        text_locale=text_locale,
        text_version_id=text_version_id,
        action=action,
    )


def render_frame_thank_you(definition: SurveyDefinition, locale: str) -> str:
    """The survey's thank-you text; tells the widget the survey was answered."""
    text = _text(definition.thank_you, locale, definition.default_locale)
    return _render("public/embed/thank_you.html", locale, text=text)


def render_frame_message(
    locale: str, *, title: str, message: str, reference: str | None = None
) -> str:
    """A short page in the frame: an error, "already answered", "you said no"."""
    with force_locale(locale):
        translated_title, translated_message = gettext(title), gettext(message)
    return _render(
        "public/embed/message.html",
        locale,
        title=translated_title,
        message=translated_message,
        reference=reference,
    )


def _text(texts: dict[str, str], locale: str, default_locale: str) -> str:
    return texts.get(locale) or texts.get(default_locale) or ""
