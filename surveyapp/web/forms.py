"""The base of every HTML form: whitespace stripped, service errors shown on their fields."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_wtf import FlaskForm

from surveyapp.services.errors import ValidationFailed


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    """A Flask-WTF form (CSRF-protected) that strips surrounding whitespace from text input."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            filters = unbound_field.kwargs.get("filters", ())
            if unbound_field.field_class.__name__ not in {"PasswordField", "FileField"}:
                unbound_field.kwargs["filters"] = [_strip, *filters]
            return unbound_field.bind(form=form, **options)

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
