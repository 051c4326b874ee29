"""Consent settings (policy per channel, consent texts per language) and the CSV import."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from surveyapp.domain.consent import ConsentChannel, ConsentPolicy
from surveyapp.runtime import get_runtime
from surveyapp.services import consent, contact_history, contact_import
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.contacts import bp
from surveyapp.web.contacts.access import SETTINGS_ROLES, permissions
from surveyapp.web.contacts.forms import ConsentPolicyForm, ConsentTextForm, ContactImportForm
from surveyapp.web.contacts.labels import LABELS
from surveyapp.web.decorators import changes_need, staff_view
from surveyapp.web.i18n import LOCALE_NAMES
from surveyapp.web.uow import clock, request_session, unit_of_work

ERRORS_SHOWN = 100


@bp.route("/consent", methods=["GET", "POST"])
@staff_view("contacts")
@changes_need(SETTINGS_ROLES)
def consent_settings() -> Any:
    """The consent policy per channel (everyone here reads it; admins and CX owners change it)."""
    current = contact_history.current_policies(request_session())
    form = _policy_form(current)
    if not form.validate_on_submit():
        return _settings_page(policy_form=form, status=400 if form.errors else 200)
    with unit_of_work() as db:
        for channel, policy in form.policies().items():
            if policy != current[channel]:
                consent.set_policy(db, channel, policy, clock=clock(), actor=current_user)
    flash(_("The consent policy was saved."), "success")
    return redirect(url_for("contacts.consent_settings"))


@bp.post("/consent/texts/<locale>")
@staff_view("contacts")
@changes_need(SETTINGS_ROLES)
def save_consent_text(locale: str) -> Any:
    """Save the consent wording of one language as its next version."""
    if locale not in LOCALE_NAMES:
        abort(404)
    form = ConsentTextForm(prefix=locale)
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                text = consent.save_consent_text(
                    db, locale=locale, body=form.body.data, clock=clock(), actor=current_user
                )
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            message = _(
                "Version %(version)d of the %(language)s consent text was saved.",
                version=text.version,
                language=LOCALE_NAMES[locale],
            )
            flash(message, "success")
            return redirect(url_for("contacts.consent_settings"))
    return _settings_page(text_forms={locale: form}, status=400)


@bp.route("/import", methods=["GET", "POST"])
@staff_view("contacts")
@changes_need(SETTINGS_ROLES)
def import_file() -> Any:
    """Upload a CSV file of contacts; shows the summary and the first errors."""
    form = ContactImportForm()
    report = None
    if form.validate_on_submit():
        # End the request's own (read-only) transaction first: the import commits its batches
        # in sessions of its own and must not run beside an open transaction of this request.
        request_session().commit()
        stream = io.TextIOWrapper(form.file.data.stream, encoding="utf-8-sig", newline="")
        try:
            report = contact_import.import_contacts(
                get_runtime().session_factory, stream, clock=clock(), actor=current_user
            )
        except ValidationFailed as error:
            form.file.errors = [*form.file.errors, _(error.message)]
        finally:
            stream.detach()  # werkzeug closes the upload itself
    errors = report.errors[:ERRORS_SHOWN] if report else []
    page = render_template(
        "staff/contacts/import.html",
        form=form,
        report=report,
        # Reasons are English message ids from the service; translated here, escaped on output.
        errors=[(error.line_number, error.field, _(error.reason)) for error in errors],
        errors_shown=ERRORS_SHOWN,
        **permissions(),
    )
    return page, 400 if form.errors else 200


def _policy_form(current: dict[ConsentChannel, ConsentPolicy]) -> ConsentPolicyForm:
    # Submitted choices win; the stored policy fills what the request does not carry.
    return ConsentPolicyForm(data={channel.value: policy for channel, policy in current.items()})


def _settings_page(
    *,
    policy_form: ConsentPolicyForm | None = None,
    text_forms: dict[str, ConsentTextForm] | None = None,
    status: int = 200,
) -> Any:
    db = request_session()
    texts = {locale: consent.current_consent_text(db, locale) for locale in LOCALE_NAMES}
    forms = {
        locale: ConsentTextForm(prefix=locale, data={"body": text.body if text else ""})
        for locale, text in texts.items()
    }
    page = render_template(
        "staff/contacts/consent_settings.html",
        policy_form=policy_form or _policy_form(contact_history.current_policies(db)),
        text_forms={**forms, **(text_forms or {})},
        texts=texts,
        text_counts=contact_history.count_consent_texts(db),
        **permissions(),
        **LABELS,
    )
    return page, status
