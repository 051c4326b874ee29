"""The widget's frame: the consent question when needed, the survey, the thank-you page.

The frame is a page of this installation inside the company's page (another site), so it gets
no cookies: the invitation token in its address is what admits it, as in an emailed link,
and its forms carry no CSRF token (the blueprint is exempt; nothing here acts on a session).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError
from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from surveyapp.domain.embed import normalise_origin, text_colour_on
from surveyapp.domain.i18n import N_
from surveyapp.extensions import limiter
from surveyapp.models import Response as SurveyResponse
from surveyapp.models import ResponseStatus
from surveyapp.services import answering
from surveyapp.services.answering import Steps
from surveyapp.services.embed import frames, sites
from surveyapp.services.embed.frames import Frame
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.embed import frame_bp
from surveyapp.web.embed.frame_rendering import (
    FramePlace,
    add_frame_headers,
    remember_place,
    render_frame_consent,
    render_frame_message,
    render_frame_survey,
    render_frame_thank_you,
)
from surveyapp.web.forms import BaseForm
from surveyapp.web.public.forms import AnswerForm
from surveyapp.web.uow import clock, request_session, start_writing, unit_of_work

GET_LIMIT = "300 per minute"
POST_LIMIT = "30 per minute"
THEME_MAX_AGE = 300


class ConsentForm(BaseForm):
    """The visitor's answer to the consent question, and the text version they read."""

    class Meta:
        csrf = False  # the frame has no cookies; its token admits it (module docstring)

    answer = SelectField(choices=[SelectChoice("yes", "yes"), SelectChoice("no", "no")])
    text_version = IntegerField(validators=[InputRequired()])


@frame_bp.after_request
def _headers(response: Response) -> Response:
    return add_frame_headers(response)


@frame_bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit(GET_LIMIT, methods=["GET"])
@limiter.limit(POST_LIMIT, methods=["POST"])
def frame(token: str) -> ResponseReturnValue:
    """The frame's page for a GET; a submitted step of answers for a POST."""
    with unit_of_work(lock_late=True) as db:
        opened = _open(token)
        locale = _locale(opened)
        if request.method == "POST":
            return _submit(opened, token, locale)
        if opened.is_refused:
            return _refused(locale)
        if opened.asks_consent:
            return _consent_page(opened, token, locale)
        response = answering.find_response(db, opened.target)
        return _survey_step(opened, token, locale, response)


@frame_bp.post("/<token>/consent")
@limiter.limit(POST_LIMIT)
def consent(token: str) -> ResponseReturnValue:
    """Record the visitor's yes or no to the consent question, then show what follows."""
    form = ConsentForm()
    with unit_of_work() as db:
        opened = _open(token)
        if not form.validate():
            return _consent_page(opened, token, _locale(opened)), HTTPStatus.BAD_REQUEST
        if opened.asks_consent:
            frames.record_consent(
                db,
                opened,
                granted=form.answer.data == "yes",
                text_version_id=form.text_version.data,
                ip=request.remote_addr,
                user_agent=request.user_agent.string,
                clock=clock(),
            )
    return redirect(_url(token), HTTPStatus.SEE_OTHER)


@frame_bp.get("/theme/<site_key>.css")
@limiter.limit(GET_LIMIT)
def theme(site_key: str) -> ResponseReturnValue:
    """The site's colours as CSS custom properties for the frame (cached a few minutes)."""
    site = sites.find_site_by_key(request_session(), site_key)
    colour = site.theme_colour if site is not None else sites.DEFAULT_COLOUR
    css = f":root{{--brand:{colour};--brand-text:{text_colour_on(colour)}}}\n"
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = f"public, max-age={THEME_MAX_AGE}"
    return response


def _open(token: str) -> Frame:
    opened = frames.open_frame(request_session(), token, clock=clock())
    site = opened.display.site
    origin = normalise_origin(request.args.get("origin", ""))
    remember_place(
        FramePlace(
            site_key=site.site_key,
            allowed_origins=tuple(site.allowed_origins),
            origin=origin if origin in site.allowed_origins else None,
            locale=_locale(opened),
        )
    )
    return opened


def _locale(opened: Frame) -> str:
    definition = opened.target.definition
    invitation = opened.target.invitation
    return definition.best_locale(invitation.locale if invitation else None)


def _url(token: str, **query: str) -> str:
    values: dict[str, Any] = {"token": token, "origin": request.args.get("origin"), **query}
    return url_for("embed_frame.frame", **values)


def _survey_step(
    opened: Frame, token: str, locale: str, response: SurveyResponse | None
) -> ResponseReturnValue:
    definition = opened.target.definition
    submitted = response is not None and response.status in {
        ResponseStatus.PARTIAL,
        ResponseStatus.COMPLETE,
    }
    step = request.args.get("step")
    if step == "done" and submitted:
        return render_frame_thank_you(definition, locale)
    if answering.is_locked(response, definition, clock=clock()):
        return render_frame_message(
            locale,
            title=N_("Already answered"),
            message=N_("You have already answered this survey. Thank you!"),
        )
    values = dict(response.answers) if response is not None and submitted else {}
    follow_ups = answering.next_questions(definition, response)
    shown_step = "second" if step == "second" and submitted and follow_ups else "first"
    return render_frame_survey(
        definition,
        locale,
        step=shown_step,
        action=_url(token),
        version=opened.target.version.number,
        values=values,
    )


def _submit(opened: Frame, token: str, locale: str) -> ResponseReturnValue:
    form = AnswerForm()
    definition = opened.target.definition
    if not form.validate() or form.version.data != opened.target.version.number:
        return render_frame_message(
            locale,
            title=N_("The survey was changed"),
            message=N_("The survey changed while you were answering, so nothing was saved."),
        ), HTTPStatus.CONFLICT
    steps = Steps(form.steps.data)
    submitted = {q.key: request.form.getlist(q.key) for q in definition.questions}
    db = request_session()
    try:
        response = _store(opened, submitted, steps, locale)
    except answering.AlreadyAnswered:
        return render_frame_message(
            locale,
            title=N_("Already answered"),
            message=N_("You have already answered this survey. Thank you!"),
        ), HTTPStatus.CONFLICT
    except ValidationFailed as error:
        db.rollback()
        page = render_frame_survey(
            definition,
            locale,
            step="second" if steps == Steps.SECOND else "first",
            action=_url(token),
            version=opened.target.version.number,
            values=dict(submitted),
            errors=error.field_errors,
            form_message=error.message,
        )
        return page, HTTPStatus.UNPROCESSABLE_ENTITY
    partial = steps == Steps.FIRST and response.status == ResponseStatus.PARTIAL
    return redirect(_url(token, step="second" if partial else "done"), HTTPStatus.SEE_OTHER)


def _store(
    opened: Frame, submitted: dict[str, list[str]], steps: Steps, locale: str
) -> SurveyResponse:
    """Submit the answers; once more if a parallel submit created the response meanwhile."""
    db = request_session()
    start_writing(db)
    try:
        return frames.submit_answers(
            db, opened, submitted, steps=steps, locale=locale, clock=clock()
        )
    except IntegrityError:
        db.rollback()
        start_writing(db)
        return frames.submit_answers(
            db, opened, submitted, steps=steps, locale=locale, clock=clock()
        )


def _refused(locale: str) -> str:
    return render_frame_message(
        locale,
        title=N_("We will not ask you"),
        message=N_("You said no to surveys on this website. Thank you for letting us know."),
    )


def _consent_page(opened: Frame, token: str, locale: str) -> str:
    text = frames.consent_text(request_session(), opened, locale)
    if text is None:
        return _refused(locale)
    return render_frame_consent(
        locale,
        text=text.body,
        text_locale=text.locale,
        text_version_id=text.id,
        action=url_for("embed_frame.consent", token=token, origin=request.args.get("origin")),
    )
