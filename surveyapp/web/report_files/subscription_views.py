"""Report subscriptions: a manager's weekly or monthly PDF by mail, made and ended here."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from surveyapp.domain.report_periods import Cadence
from surveyapp.services.errors import PermissionDenied, ValidationFailed
from surveyapp.services.reporting import subscriptions
from surveyapp.web.decorators import staff_view
from surveyapp.web.errors import render_error
from surveyapp.web.i18n import select_timezone
from surveyapp.web.report_files import bp
from surveyapp.web.report_files.forms import CADENCE_LABELS, EndSubscriptionForm, SubscribeForm
from surveyapp.web.uow import clock, request_session, unit_of_work


@bp.route("/subscriptions", methods=["GET", "POST"])
@staff_view("reports")
def subscriptions_index() -> Any:
    """The user's subscriptions and the form to add one (managers, CX owners, admins)."""
    db = request_session()
    may_subscribe = subscriptions.may_subscribe(current_user)
    scopes = subscriptions.subscribable_scopes(db, current_user)
    form = SubscribeForm(scopes=scopes)
    if not form.is_submitted():
        form.timezone.data = select_timezone()
        form.locale.data = str(get_locale() or "en")
    elif not may_subscribe:
        form.form_errors.append(gettext("Your role cannot subscribe to reports."))
    elif form.validate():
        team_id, touchpoint_id = form.scope_ids()
        try:
            with unit_of_work() as db:
                subscriptions.subscribe(
                    db,
                    actor=current_user,
                    team_id=team_id,
                    touchpoint_id=touchpoint_id,
                    cadence=Cadence(form.cadence.data),
                    timezone=form.timezone.data,
                    locale=form.locale.data,
                    clock=clock(),
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        except PermissionDenied as error:
            form.form_errors.append(gettext(error.message))
        else:
            flash(_l("You are subscribed. The first report arrives when it is due."), "success")
            return redirect(url_for("report_files.subscriptions_index"), 303)
    rows = subscriptions.list_subscriptions(db, current_user, clock=clock())
    status = 400 if form.errors or form.form_errors else 200
    page = render_template(
        "staff/report_files/subscriptions.html",
        form=form,
        rows=rows,
        may_subscribe=may_subscribe,
        has_scopes=bool(scopes),
        local_time=_local_time,
        cadence_labels=CADENCE_LABELS,
        end_form=EndSubscriptionForm(),
    )
    return page, status


@bp.post("/subscriptions/end")
@staff_view("reports")
def subscriptions_end() -> Any:
    """End one of the user's own subscriptions (its id comes in the form)."""
    form = EndSubscriptionForm()
    if not form.validate():
        return render_error(400)
    with unit_of_work() as db:
        subscriptions.unsubscribe(db, form.subscription_id.data, actor=current_user, clock=clock())
    flash(_l("The subscription was ended; no more reports will be sent."), "success")
    return redirect(url_for("report_files.subscriptions_index"), 303)


def _local_time(moment: datetime, timezone: str) -> str:
    """``moment`` as the subscriber's clock shows it (the report's time zone, not the page's)."""
    return format_datetime(moment, "short", tzinfo=ZoneInfo(timezone), locale=str(get_locale()))
