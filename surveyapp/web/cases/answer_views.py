"""The customer's answer to a close-the-loop message: "Did we solve your issue?".

The email's links open a page with the question and two buttons; only pressing one (a POST)
records the answer, because link scanners fetch every link of an email (DESIGN.md §5). A
"no" reopens the case. No sign-in: the token in the address is the key.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from surveyapp.domain.case_mail import CustomerVerdict
from surveyapp.extensions import limiter
from surveyapp.services.cases import messages
from surveyapp.web.cases import answer_bp
from surveyapp.web.forms import BaseForm
from surveyapp.web.public.errors import register_respondent_errors
from surveyapp.web.uow import clock, request_session, unit_of_work

GET_LIMIT = "300 per minute"
POST_LIMIT = "30 per minute"


class AnswerForm(BaseForm):
    """The customer's answer (the buttons' value; the CSRF token is the only hidden field)."""


# Customers see these pages: an unknown or mistyped link gets the short respondent page.
register_respondent_errors(answer_bp)


@answer_bp.get("/c/<token>")
@limiter.limit(GET_LIMIT)
def question(token: str) -> ResponseReturnValue:
    """The question with both answers, the one clicked in the email highlighted."""
    mail = messages.mail_for_token(request_session(), token)
    chosen = request.args.get("answer")
    return _page(mail.locale, token, chosen=chosen, saved=request.args.get("saved"))


@answer_bp.post("/c/<token>")
@limiter.limit(POST_LIMIT)
def answer(token: str) -> ResponseReturnValue:
    """Record the customer's answer; "not solved" reopens the case."""
    raw = request.form.get("answer", "")
    if not AnswerForm().validate() or raw not in set(CustomerVerdict):
        return "", HTTPStatus.BAD_REQUEST
    with unit_of_work() as db:
        messages.record_verdict(db, token, CustomerVerdict(raw), clock=clock())
    return redirect(url_for("case_answers.question", token=token, saved=raw), 303)


def _page(locale: str, token: str, *, chosen: str | None, saved: str | None) -> str:
    with force_locale(locale):
        return render_template(
            "public/case_answer.html",
            page_locale=locale,
            token=token,
            chosen=chosen,
            saved=saved,
            form=AnswerForm(),
        )
