"""The two-step answering flow shared by personal invitations and anonymous links.

Without JavaScript a respondent sends the rating (step one), then the follow-ups for that
score (step two), then sees the thank-you page; each step redirects (POST, redirect, GET). With
JavaScript the follow-ups appear at once and one submit carries everything (``Steps.ALL``).
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from flask import redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from surveyapp.domain.answers import parse_score
from surveyapp.domain.i18n import N_
from surveyapp.domain.survey_definition import SurveyDefinition
from surveyapp.models import Response, ResponseStatus
from surveyapp.services import answering
from surveyapp.services.answering import AnswerTarget, Steps
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.public import page_cache
from surveyapp.web.public.forms import AnswerForm
from surveyapp.web.public.rendering import (
    LanguageLink,
    language_name,
    render_message,
    render_survey_page,
    render_thank_you,
)
from surveyapp.web.uow import clock, start_writing

# Query arguments a language switch keeps: the emailed score and the step.
_KEPT_ARGUMENTS = ("score", "step")


@dataclass(frozen=True)
class Place:
    """Where a respondent's page lives: for the form action, redirects and language links."""

    endpoint: str
    args: dict[str, str]
    provisional_url: str | None = None

    def url(self, **query: str | None) -> str:
        values: dict[str, Any] = {**self.args, **{k: v for k, v in query.items() if v}}
        return url_for(self.endpoint, **values)


def choose_locale(target: AnswerTarget) -> str:
    """``?lang=``, else the invitation's locale, else the browser's, among the survey's."""
    definition = target.definition
    invited = target.invitation.locale if target.invitation is not None else None
    browser = request.accept_languages.best_match(definition.locales)
    return definition.best_locale(request.args.get("lang"), invited, browser)


def linked_score(definition: SurveyDefinition) -> int | None:
    """The score of an emailed score link (``?score=N``) when it lies on the scale."""
    raw = request.args.get("score")
    primary = definition.primary_rating
    if raw is None or primary is None or primary.scale is None:
        return None
    score = parse_score(raw)
    return score if score is not None and primary.scale.contains(score) else None


def show_page(target: AnswerTarget, place: Place, response: Response | None) -> ResponseReturnValue:
    """The page for a GET: the question step, the follow-ups, the thank-you or "answered".

    ``response`` is what the respondent already answered (``answering.find_response``).
    """
    definition = target.definition
    locale = choose_locale(target)
    step = request.args.get("step")
    if step == "done" and _is_submitted(response):
        locked = answering.is_locked(response, definition, clock=clock())
        change = None if locked else place.url(lang=locale)
        return render_thank_you(
            definition, locale, change_url=change, language_links=_languages(target, place, locale)
        )
    if answering.is_locked(response, definition, clock=clock()):
        return already_answered(locale)
    values = _stored_values(response)
    follow_ups = answering.next_questions(definition, response)
    if step == "second" and _is_submitted(response) and follow_ups:
        return _survey_page(target, place, locale, step="second", values=values)
    score = linked_score(definition)
    if score is not None and definition.primary_rating is not None:
        values[definition.primary_rating.key] = score
    return _survey_page(target, place, locale, step="first", values=values)


def submit_page(db: Session, target: AnswerTarget, place: Place) -> ResponseReturnValue:
    """Store one step's answers and redirect onwards; re-render with messages when rejected."""
    definition = target.definition
    locale = choose_locale(target)
    form = AnswerForm()
    if not form.validate():
        page = render_message(
            locale,
            title=N_("The form could not be read"),
            message=N_("Nothing was saved. Please open the survey again and answer once more."),
            link_url=place.url(lang=locale),
            link_text=N_("Open the survey"),
        )
        return page, HTTPStatus.BAD_REQUEST
    if form.version.data != target.version.number:
        page = render_message(
            locale,
            title=N_("The survey was changed"),
            message=N_("The survey changed while you were answering, so nothing was saved."),
            link_url=place.url(lang=locale),
            link_text=N_("Open the current survey"),
        )
        return page, HTTPStatus.CONFLICT
    steps = Steps(form.steps.data)
    submitted = {q.key: request.form.getlist(q.key) for q in definition.questions}
    try:
        response = _store(db, target, submitted, steps, locale)
    except answering.AlreadyAnswered:
        return already_answered(locale), HTTPStatus.CONFLICT
    except ValidationFailed as error:
        return _rejected(db, target, place, locale, submitted, steps, error)
    partial = steps == Steps.FIRST and response.status == ResponseStatus.PARTIAL
    following = "second" if partial else "done"
    return redirect(place.url(step=following, lang=locale), HTTPStatus.SEE_OTHER)


def _store(
    db: Session, target: AnswerTarget, submitted: dict[str, list[str]], steps: Steps, locale: str
) -> Response:
    """Submit the answers; retried once when a provisional score raced this submit.

    survey.js may post the shown score just before the form is submitted. If that request
    inserts the respondent's row between our look-up and our insert, the unique invitation
    (or anonymous key) refuses ours; nothing else was written yet, so the transaction is
    rolled back and the second attempt finds that row and updates it.
    """
    start_writing(db)
    try:
        return answering.submit_answers(
            db, target, submitted, steps=steps, locale=locale, clock=clock()
        )
    except IntegrityError:
        db.rollback()
        start_writing(db)
        return answering.submit_answers(
            db, target, submitted, steps=steps, locale=locale, clock=clock()
        )


def already_answered(locale: str) -> str:
    """The friendly page once the edit window has closed."""
    return render_message(
        locale,
        title=N_("Already answered"),
        message=N_("You have already answered this survey. Thank you!"),
    )


def _rejected(  # noqa: PLR0917 -- the parts of the rejected submit to show again
    db: Session,
    target: AnswerTarget,
    place: Place,
    locale: str,
    submitted: dict[str, list[str]],
    steps: Steps,
    error: ValidationFailed,
) -> ResponseReturnValue:
    """The same step again, with what was sent and a message per question; nothing stored."""
    values: dict[str, Any] = dict(submitted)
    step = "second" if steps == Steps.SECOND and error.field_errors else "first"
    primary = target.definition.primary_rating
    if step == "second" and primary is not None:
        # The follow-ups depend on the stored rating, which a step-two form does not carry.
        values[primary.key] = _stored_values(answering.find_response(db, target)).get(primary.key)
    page = _survey_page(
        target,
        place,
        locale,
        step=step,
        values=values,
        errors=error.field_errors,
        form_message=error.message,
    )
    return page, HTTPStatus.UNPROCESSABLE_ENTITY


def _survey_page(
    target: AnswerTarget,
    place: Place,
    locale: str,
    *,
    step: str,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    form_message: str | None = None,
) -> str:
    def page(**cached: Any) -> str:
        return render_survey_page(
            target.definition,
            locale,
            step=step,
            values=values,
            errors=errors,
            action=place.url(lang=locale),
            version=target.version.number,
            provisional_url=place.provisional_url,
            language_links=_languages(target, place, locale),
            form_message=form_message,
            **cached,
        )

    # The untouched page of an anonymous link is the same for every new respondent.
    if target.invitation is not None or values or errors or form_message:
        return page()
    key = (
        target.version.document_text,
        target.version.number,
        locale,
        step,
        place.endpoint,
        *sorted(place.args.items()),
        place.provisional_url,
        *_kept_arguments().items(),
    )
    return page_cache.cached_page(key, lambda token: page(csrf_token=token))


def _languages(target: AnswerTarget, place: Place, locale: str) -> list[LanguageLink]:
    kept = _kept_arguments()
    return [
        LanguageLink(
            code=code,
            name=language_name(code),
            url=place.url(**kept, lang=code),
            current=code == locale,
        )
        for code in target.definition.locales
    ]


def _kept_arguments() -> dict[str, str | None]:
    return {name: request.args.get(name) for name in _KEPT_ARGUMENTS}


def _is_submitted(response: Response | None) -> bool:
    return response is not None and response.status in {
        ResponseStatus.PARTIAL,
        ResponseStatus.COMPLETE,
    }


def _stored_values(response: Response | None) -> dict[str, Any]:
    """The answers to show again; a voided (scanner's) score is never shown."""
    if response is None or response.status == ResponseStatus.VOIDED:
        return {}
    return dict(response.answers)
