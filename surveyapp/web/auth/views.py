"""Sign-in, sign-out, language switch and account settings."""

from __future__ import annotations

from http import HTTPStatus
from math import ceil
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from limits import parse as parse_limit

from surveyapp.extensions import limiter
from surveyapp.models import User
from surveyapp.runtime import get_runtime
from surveyapp.services import auth, users
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.auth import bp
from surveyapp.web.auth.forms import AccountForm, LanguageForm, LoginForm, PasswordChangeForm
from surveyapp.web.decorators import staff_view
from surveyapp.web.i18n import LOCALE_SESSION_KEY
from surveyapp.web.uow import clock, unit_of_work


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("home.index")


def _login_limit() -> str:
    return get_runtime().config.login_rate_limit


def _failed(response: Any) -> bool:
    return bool(response.status_code != HTTPStatus.FOUND)


def _too_many_attempts(seconds: int) -> str:
    """The one message for every refused sign-in flood: a lock or the per-address limit."""
    minutes = max(1, ceil(seconds / 60))
    message = ngettext(
        "Too many failed sign-in attempts. Please try again in %(num)d minute.",
        "Too many failed sign-in attempts. Please try again in %(num)d minutes.",
        minutes,
    )
    return str(message)


def _flood_message() -> str:
    return _too_many_attempts(parse_limit(_login_limit()).get_expiry())


# The database back-off (services.auth) locks accounts and addresses for every process; this
# per-process limit only stops a flood of refused tries from one address from costing queries.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, error_message=_flood_message)
def login() -> Any:
    """Show the sign-in form; sign in and go to the page that asked for it."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("staff/auth/login.html", form=form), 400 if form.errors else 200
    try:
        with unit_of_work() as db:
            user = auth.sign_in(
                db,
                form.email.data,
                form.password.data,
                clock=clock(),
                ip=request.remote_addr,
                policy=auth.policy_from(get_runtime().config),
            )
    except auth.SignInLocked as locked:
        form.form_errors.append(_too_many_attempts(locked.retry_after))
        page = render_template("staff/auth/login.html", form=form)
        return page, HTTPStatus.TOO_MANY_REQUESTS, {"Retry-After": str(locked.retry_after)}
    if user is None:
        form.form_errors.append(_(auth.SIGN_IN_FAILED))
        return render_template("staff/auth/login.html", form=form), 401
    _start_session(user, remember=bool(form.remember.data))
    return redirect(_safe_next(form.next.data))


def _start_session(user: User, *, remember: bool) -> None:
    """A new session for ``user``: nothing from before survives but the chosen language.

    A cookie planted before sign-in (its CSRF token, anything else) is thereby useless, and a
    remember-me cookie is only left when ``remember`` (the box was ticked).
    """
    locale = session.get(LOCALE_SESSION_KEY)
    session.clear()
    if locale is not None:
        session[LOCALE_SESSION_KEY] = locale
    login_user(user, remember=remember)
    if not remember and _remember_cookie_name() in request.cookies:
        session["_remember"] = "clear"  # Flask-Login deletes the cookie after this request


def _remember_cookie_name() -> str:
    return str(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))


@bp.post("/logout")
@staff_view("home")
def logout() -> Any:
    """Sign out (POST only, so a link prefetch cannot sign anyone out)."""
    with unit_of_work() as db:
        auth.record_sign_out(db, current_user, clock=clock(), ip=request.remote_addr)
    session.clear()
    logout_user()  # after clearing: it marks the remember-me cookie for deletion
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language() -> Any:
    """Switch the interface language; kept on the account when signed in."""
    form = LanguageForm()
    if not form.validate_on_submit():
        flash(_("This language is not available."), "danger")
        return redirect(_safe_next(form.next.data)), 303
    if current_user.is_authenticated:
        with unit_of_work() as db:
            users.set_locale(db, current_user, form.locale.data)
    else:
        session[LOCALE_SESSION_KEY] = form.locale.data
    return redirect(_safe_next(form.next.data), 303)


@bp.route("/account", methods=["GET", "POST"])
@staff_view("home")
def account() -> Any:
    """The signed-in user's language preference."""
    form = AccountForm(locale=current_user.locale or "")
    if form.validate_on_submit():
        with unit_of_work() as db:
            users.set_locale(db, current_user, form.locale.data or None)
        flash(_("Your settings were saved."), "success")
        return redirect(url_for("auth.account"))
    status = 400 if form.errors else 200
    return _account_page(form, PasswordChangeForm(formdata=None), status)


@bp.post("/account/password")
@staff_view("home")
def change_password() -> Any:
    """Change one's own password after confirming the current one."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                users.change_password(
                    db,
                    current_user,
                    current=form.current_password.data,
                    new=form.new_password.data,
                    clock=clock(),
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            # Every other session just ended; this one goes on under the new session version.
            remembered = _remember_cookie_name() in request.cookies
            _start_session(current_user._get_current_object(), remember=remembered)
            flash(_("Your password was changed."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(AccountForm(locale=current_user.locale or ""), form, 400)


def _account_page(account_form: AccountForm, password_form: PasswordChangeForm, status: int) -> Any:
    page = render_template(
        "staff/auth/account.html", form=account_form, password_form=password_form
    )
    return page, status
