"""The preference centre ``/p/<token>`` and the RFC 8058 one-click unsubscribe endpoint."""

from __future__ import annotations

from http import HTTPStatus

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from surveyapp.domain.consent import ConsentChannel, ConsentSource
from surveyapp.extensions import csrf, limiter
from surveyapp.models import Contact
from surveyapp.runtime import get_runtime
from surveyapp.services import preferences
from surveyapp.web.forms import BaseForm
from surveyapp.web.public import bp
from surveyapp.web.public.views import GET_LIMIT, POST_LIMIT
from surveyapp.web.uow import clock, request_session, unit_of_work

ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"


class PreferenceForm(BaseForm):
    """One channel switched on or off (the CSRF token is the form's only hidden field)."""


def _secret() -> str:
    return str(get_runtime().config.secret_key)


def _locale(contact: Contact) -> str:
    supported = ("en", "de")
    if contact.locale in supported:
        return str(contact.locale)
    return request.accept_languages.best_match(supported) or "en"


def _page(contact: Contact, token: str, *, saved: bool = False) -> str:
    locale = _locale(contact)
    with force_locale(locale):
        return render_template(
            "public/preferences.html",
            page_locale=locale,
            token=token,
            channels=preferences.preferences(request_session(), contact),
            form=PreferenceForm(),
            saved=saved,
        )


@bp.get("/p/<token>")
@bp.get("/p/<token>/unsubscribe")
@limiter.limit(GET_LIMIT)
def preference_centre(token: str) -> ResponseReturnValue:
    """Show the contact's choices per channel; a GET never changes them."""
    contact = preferences.contact_for_token(request_session(), token, secret=_secret())
    return _page(contact, token, saved=request.args.get("saved") == "1")


@bp.post("/p/<token>")
@limiter.limit(POST_LIMIT)
def preference_change(token: str) -> ResponseReturnValue:
    """Switch one channel on or off in one click (CSRF-protected form)."""
    form = PreferenceForm()
    channel = request.form.get("channel", "")
    allow = request.form.get("allow", "")
    if not form.validate() or channel not in set(ConsentChannel) or allow not in {"0", "1"}:
        return "", HTTPStatus.BAD_REQUEST
    with unit_of_work() as db:
        contact = preferences.contact_for_token(db, token, secret=_secret())
        preferences.set_preference(
            db,
            contact,
            ConsentChannel(channel),
            allow=allow == "1",
            source=ConsentSource.PREFERENCE_CENTRE,
            clock=clock(),
            ip=request.remote_addr,
            user_agent=request.user_agent.string,
        )
    return redirect(url_for("public.preference_centre", token=token, saved="1"), 303)


@bp.post("/p/<token>/unsubscribe")
@csrf.exempt  # type: ignore[untyped-decorator]  # Flask-WTF ships no type hints
@limiter.limit(POST_LIMIT)
def one_click_unsubscribe(token: str) -> ResponseReturnValue:
    """RFC 8058: the mail client's POST (no cookie, no CSRF token) withdraws email consent.

    Answers 200 with a short page, never a redirect.
    """
    if request.form.get(ONE_CLICK_FIELD) != ONE_CLICK_VALUE:
        return "", HTTPStatus.BAD_REQUEST
    with unit_of_work() as db:
        contact = preferences.contact_for_token(db, token, secret=_secret())
        preferences.set_preference(
            db,
            contact,
            ConsentChannel.EMAIL,
            allow=False,
            source=ConsentSource.UNSUBSCRIBE,
            clock=clock(),
            ip=request.remote_addr,
            user_agent=request.user_agent.string,
        )
        page = _page(contact, token, saved=True)
    return page, HTTPStatus.OK
