"""Sign-in, sign-out, language switch and account settings."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from surveyapp.extensions import limiter
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


def _submitted_email() -> str:
    return request.form.get("email", "").strip().lower()[:254] or "-"


def _failed(response: Any) -> bool:
    return bool(response.status_code != HTTPStatus.FOUND)


_LIMIT_MESSAGE = "Too many failed sign-in attempts. Please wait a minute and try again."


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, error_message=_LIMIT_MESSAGE)
@limiter.limit(
    _login_limit,
    methods=["POST"],
    key_func=_submitted_email,
    deduct_when=_failed,
    error_message=_LIMIT_MESSAGE,
    scope="login-per-email",
)
def login() -> Any:
    """Show the sign-in form; sign in and go to the page that asked for it."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("staff/auth/login.html", form=form), 400 if form.errors else 200
    with unit_of_work() as db:
        user = auth.sign_in(
            db, form.email.data, form.password.data, clock=clock(), ip=request.remote_addr
        )
    if user is None:
        form.form_errors.append(_(auth.SIGN_IN_FAILED))
        return render_template("staff/auth/login.html", form=form), 401
    session.pop(LOCALE_SESSION_KEY, None)
    login_user(user, remember=form.remember.data)
    return redirect(_safe_next(form.next.data))


@bp.post("/logout")
@staff_view("home")
def logout() -> Any:
    """Sign out (POST only, so a link prefetch cannot sign anyone out)."""
    with unit_of_work() as db:
        auth.record_sign_out(db, current_user, clock=clock(), ip=request.remote_addr)
    logout_user()
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
            flash(_("Your password was changed."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(AccountForm(locale=current_user.locale or ""), form, 400)


def _account_page(account_form: AccountForm, password_form: PasswordChangeForm, status: int) -> Any:
    page = render_template(
        "staff/auth/account.html", form=account_form, password_form=password_form
    )
    return page, status
