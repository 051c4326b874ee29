"""Respondent pages: a personal invitation ``/s/<token>`` and an anonymous link ``/l/<slug>``.

A GET never changes answers: for an invitation it records only the click (``record_fetch``),
because link scanners fetch every link of an email, some in a real browser. The page itself
posts a shown score as provisional (survey.js); submitting the form makes it final.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError

from surveyapp.domain.tokens import generate_token, hash_token
from surveyapp.extensions import limiter
from surveyapp.services import answering, invitations
from surveyapp.services.errors import ServiceError
from surveyapp.web.public import bp
from surveyapp.web.public.flow import Place, choose_locale, linked_score, show_page, submit_page
from surveyapp.web.public.forms import ProvisionalForm
from surveyapp.web.uow import (
    clock,
    read_connection,
    request_session,
    start_writing,
    unit_of_work,
)

# Per client address. Scanners and shared office networks fetch many links, so GETs are
# generous; a person sends a few POSTs per survey.
GET_LIMIT = "300 per minute"
POST_LIMIT = "30 per minute"
# The Flask session keeps one random id per browser; the anonymous key of a survey is
# derived from it, so one browser keeps one response per survey.
BROWSER_KEY = "respondent"


@bp.route("/s/<token>", methods=["GET", "POST"])
@limiter.limit(GET_LIMIT, methods=["GET"])
@limiter.limit(POST_LIMIT, methods=["POST"])
def invitation(token: str) -> ResponseReturnValue:
    """A personal invitation: the page (noting the click), or a submitted step."""
    place = Place("public.invitation", {"token": token}, url_for(".provisional", token=token))
    with unit_of_work(lock_late=request.method == "POST") as db:
        target = answering.target_for_invitation(db, token, clock=clock())
        if request.method == "POST":
            return submit_page(db, target, place)
        # The pages after a submit (?step=) are not clicks on the email's links.
        if target.invitation is not None and "step" not in request.args:
            score = linked_score(target.definition)
            invitations.record_fetch(
                db, target.invitation, score=score, is_trap=False, clock=clock()
            )
        return show_page(target, place, answering.find_response(db, target))


@bp.post("/s/<token>/provisional")
@limiter.limit(POST_LIMIT)
def provisional(token: str) -> ResponseReturnValue:
    """Keep a score the page showed to a person, until the form is submitted (204)."""
    form = ProvisionalForm()
    with unit_of_work(lock_late=True) as db:
        target = answering.target_for_invitation(db, token, clock=clock())
        if not form.validate():
            return "", HTTPStatus.BAD_REQUEST
        if form.version.data != target.version.number:
            return "", HTTPStatus.CONFLICT
        locale = target.definition.best_locale(form.lang.data, choose_locale(target))
        start_writing(db)
        try:
            answering.record_provisional_score(
                db, target, form.score.data, locale=locale, clock=clock()
            )
        except IntegrityError:
            # The form's submit created the row at the same moment: the submit wins.
            db.rollback()
    return "", HTTPStatus.NO_CONTENT


@bp.get("/s/<token>/t")
@limiter.limit(GET_LIMIT)
def trap(token: str) -> ResponseReturnValue:
    """The hidden link of an email: only a scanner fetches it; voids provisional scores."""
    with unit_of_work() as db:
        try:
            found = invitations.find_by_token(db, token, clock=clock())
        except ServiceError:
            return "", HTTPStatus.NO_CONTENT  # tell a scanner nothing about the token
        invitations.record_fetch(db, found, score=None, is_trap=True, clock=clock())
    return "", HTTPStatus.NO_CONTENT


@bp.route("/l/<slug>", methods=["GET", "POST"])
@limiter.limit(GET_LIMIT, methods=["GET"])
@limiter.limit(POST_LIMIT, methods=["POST"])
def link(slug: str) -> ResponseReturnValue:
    """A survey's anonymous link (404 while switched off); one response per browser."""
    place = Place("public.link", {"slug": slug})
    if request.method == "GET":
        # Showing the page writes nothing: no write lock, so page views never queue on SQLite.
        # A browser seen for the first time cannot have answered yet: one plain query then.
        if BROWSER_KEY not in session:
            target = answering.target_for_link(read_connection(), slug, anonymous_key=None)
            return show_page(target, place, None)
        db = request_session()
        target = answering.target_for_link(db, slug, anonymous_key=_anonymous_key(slug))
        return show_page(target, place, answering.find_response(db, target))
    with unit_of_work(lock_late=True) as db:
        target = answering.target_for_link(db, slug, anonymous_key=_anonymous_key(slug))
        return submit_page(db, target, place)


def _anonymous_key(slug: str) -> str:
    browser = session.get(BROWSER_KEY)
    if not isinstance(browser, str) or not browser:
        browser = generate_token()
        session[BROWSER_KEY] = browser
    # Response.anonymous_key is unique across surveys: derive one key per survey and browser.
    return hash_token(f"{slug}:{browser}")
