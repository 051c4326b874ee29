"""The base of every HTML form: whitespace stripped, service errors shown on their fields."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import support
from flask_babel import get_locale, gettext
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

from surveyapp.services.errors import ValidationFailed


@lru_cache(maxsize=16)
def _wtforms_translations(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _strip(value: Any) -> Any:
    # NUL can never be stored (PostgreSQL refuses it in text) and is invisible to the person.
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    """A Flask-WTF form (CSRF-protected) that strips surrounding whitespace and NULs from text."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            # The unbound field is shared by every instance of the form class: pass the
            # filters to this binding only, never write them back into its kwargs.
            if unbound_field.field_class.__name__ in {"PasswordField", "FileField"}:
                return unbound_field.bind(form=form, **options)
            filters = [_strip, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, filters=filters, **options)

        def get_translations(self, form: Any) -> Any:
            # WTForms' own messages (e.g. "Not a valid choice.") in the request's language;
            # Flask-WTF would read the catalogue from disk on every request.
            return _wtforms_translations(str(get_locale() or "en"))

    def validate(self, extra_validators: Any = None) -> bool:
        """Run the field validators, then ``post_validate`` for checks across fields."""
        return super().validate(extra_validators) and self.post_validate()

    def post_validate(self) -> bool:
        """Override for cross-field checks; return ``False`` after adding field errors."""
        return True

    def apply_service_errors(self, error: ValidationFailed) -> None:
        """Show a service's ``ValidationFailed`` next to the fields it names (translated)."""
        for name, message in error.field_errors.items():
            field = getattr(self, name, None)
            if field is not None:
                field.errors = [*field.errors, gettext(message)]
        if not error.field_errors:
            self.form_errors.append(gettext(error.message))
