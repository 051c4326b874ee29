"""The retention settings form: per kind of data, a number of days or "keep forever"."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField
from wtforms.validators import NumberRange, Optional

from surveyapp.domain.retention import MAX_DAYS, RULES, RetentionKind
from surveyapp.services.errors import ValidationFailed
from surveyapp.web.forms import BaseForm

KIND_LABELS: dict[RetentionKind, Any] = {
    RetentionKind.FREE_TEXT: _l("Free-text answers"),
    RetentionKind.INACTIVE_CONTACTS: _l("Contacts without activity"),
    RetentionKind.OUTBOX_BODIES: _l("Bodies of sent messages"),
    RetentionKind.AUDIT_LOG: _l("Audit trail"),
}

KIND_HELP: dict[RetentionKind, Any] = {
    RetentionKind.FREE_TEXT: _l(
        "Comments and other text answers are removed from responses older than this; "
        "scores and report figures stay."
    ),
    RetentionKind.INACTIVE_CONTACTS: _l(
        "Contacts with no interaction, invitation, response, consent entry or case for this "
        "long are erased as on an erasure request: their address is never written to again."
    ),
    RetentionKind.OUTBOX_BODIES: _l(
        "Sent or failed messages lose their text and recipient after this long; "
        "subject, state and times stay for delivery statistics."
    ),
    RetentionKind.AUDIT_LOG: _l("Audit events older than this are deleted, whatever their kind."),
}


def _days_field(kind: RetentionKind) -> IntegerField:
    low = RULES[kind].min_days
    return IntegerField(
        _l("Days"),
        validators=[
            Optional(),
            NumberRange(
                min=low, max=MAX_DAYS, message=_l("Enter a number of days from %(min)s to %(max)s.")
            ),
        ],
        render_kw={"min": low, "max": MAX_DAYS, "inputmode": "numeric"},
    )


def _forever_field() -> BooleanField:
    return BooleanField(_l("Keep forever"))


class RetentionForm(BaseForm):
    """The period of every kind; a kind kept forever needs no number of days."""

    free_text_days = _days_field(RetentionKind.FREE_TEXT)
    free_text_forever = _forever_field()
    inactive_contacts_days = _days_field(RetentionKind.INACTIVE_CONTACTS)
    inactive_contacts_forever = _forever_field()
    outbox_bodies_days = _days_field(RetentionKind.OUTBOX_BODIES)
    outbox_bodies_forever = _forever_field()
    audit_log_days = _days_field(RetentionKind.AUDIT_LOG)
    audit_log_forever = _forever_field()

    def days_field(self, kind: RetentionKind) -> Any:
        """The number-of-days field of ``kind``."""
        return self[f"{kind.value}_days"]

    def forever_field(self, kind: RetentionKind) -> Any:
        """The keep-forever checkbox of ``kind``."""
        return self[f"{kind.value}_forever"]

    def fill(self, current: dict[RetentionKind, int | None]) -> None:
        """Show the stored periods (on GET)."""
        for kind, days in current.items():
            self.days_field(kind).data = days
            self.forever_field(kind).data = days is None

    def validate(self, extra_validators: Any = None) -> bool:
        """Check the fields; the days of a kind kept forever are ignored, whatever they hold."""
        super().validate(extra_validators)
        for kind in RetentionKind:
            if self.forever_field(kind).data:
                self.days_field(kind).errors = []
        return not self.errors and self.post_validate()

    def post_validate(self) -> bool:
        """A kind not kept forever needs its number of days."""
        valid = True
        for kind in RetentionKind:
            days = self.days_field(kind)
            if not self.forever_field(kind).data and days.data is None and not days.errors:
                days.errors = [*days.errors, _l("Enter a number of days or choose keep forever.")]
                valid = False
        return valid

    def periods(self) -> dict[RetentionKind, int | None]:
        """The submitted period of every kind (``None``: keep forever)."""
        return {
            kind: None if self.forever_field(kind).data else int(self.days_field(kind).data)
            for kind in RetentionKind
        }

    def apply_retention_errors(self, error: ValidationFailed) -> None:
        """Show the service's errors (keyed by kind) on the kinds' day fields."""
        renamed = {f"{kind}_days": message for kind, message in error.field_errors.items()}
        self.apply_service_errors(ValidationFailed(error.message, renamed))
