"""Forms of the recovery tools: checklist ticks, goodwill, playbooks, team recovery settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from surveyapp.domain.case_recovery import (
    CURRENCIES,
    GoodwillKind,
    PlaybookTrigger,
    parse_amount,
)
from surveyapp.domain.case_rules import ScoreBand
from surveyapp.models import Playbook, RootCause, TeamRecoverySettings
from surveyapp.services.cases.goodwill import GoodwillInput
from surveyapp.services.cases.playbooks import PlaybookInput
from surveyapp.services.cases.recovery_settings import RecoverySettings
from surveyapp.web.cases.labels import BAND_LABELS
from surveyapp.web.cases.recovery_labels import GOODWILL_KIND_LABELS, TRIGGER_LABELS
from surveyapp.web.forms import BaseForm

AMOUNT_HELP = _l("For example 25.00 (at most two decimals).")


class ChecklistForm(BaseForm):
    """Which items of one playbook's checklist are done (the checked boxes)."""

    items = SelectMultipleField(coerce=int, validate_choice=False)

    def done_items(self) -> set[int]:
        """The positions of the checked items."""
        return set(self.items.data or [])


class GoodwillForm(BaseForm):
    """Record goodwill on a case."""

    kind = SelectField(
        _l("Kind of goodwill"),
        choices=[SelectChoice(str(k), v) for k, v in GOODWILL_KIND_LABELS.items()],
        default=GoodwillKind.VOUCHER.value,
    )
    amount = StringField(_l("Amount"), validators=[DataRequired()], description=AMOUNT_HELP)
    currency = SelectField(_l("Currency"), choices=[SelectChoice(c, c) for c in CURRENCIES])
    note = TextAreaField(_l("What was given, and why"), validators=[Length(max=1000)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "goodwill")
        super().__init__(*args, **kwargs)

    def post_validate(self) -> bool:
        """The amount must be a positive number with at most two decimals."""
        if parse_amount(self.amount.data or "") is None:
            self.amount.errors = [
                *self.amount.errors,
                _l("Enter an amount above 0 with at most two decimals."),
            ]
            return False
        return True

    def goodwill(self) -> GoodwillInput:
        """The validated input for the service."""
        amount = parse_amount(self.amount.data or "")
        assert amount is not None  # noqa: S101 -- checked in post_validate
        return GoodwillInput(
            GoodwillKind(self.kind.data), amount, self.currency.data, self.note.data or ""
        )


class DecisionForm(BaseForm):
    """Approve or reject pending goodwill (the button says which)."""

    decision = HiddenField(validators=[InputRequired()])

    def approves(self) -> bool:
        """Whether the manager approved."""
        return bool(self.decision.data == "approve")


class PlaybookForm(BaseForm):
    """A playbook: name, trigger (a root cause or a score band), checklist items."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    trigger = SelectField(
        _l("Applies to cases with"),
        choices=[SelectChoice(str(k), v) for k, v in TRIGGER_LABELS.items()],
    )
    root_cause_id = SelectField(_l("Root cause"), validate_choice=False, default="")
    score_band = SelectField(
        _l("Score band"),
        choices=[
            SelectChoice("", _l("Choose a band")),
            *(SelectChoice(k, v) for k, v in BAND_LABELS.items() if k != ScoreBand.NONE),
        ],
        default="",
    )
    items = TextAreaField(
        _l("Checklist items"),
        validators=[DataRequired()],
        description=_l("One item per line, at most 20."),
    )
    is_active = BooleanField(_l("Active (shown on cases)"), default=True)

    def set_causes(self, causes: list[RootCause]) -> None:
        """Offer the active root causes."""
        self.root_cause_id.choices = [
            SelectChoice("", _l("Choose a root cause")),
            *(SelectChoice(str(c.id), c.name) for c in causes),
        ]

    def load(self, playbook: Playbook) -> None:
        """Fill the form from ``playbook``."""
        self.name.data = playbook.name
        self.trigger.data = playbook.trigger.value
        self.root_cause_id.data = str(playbook.root_cause_id or "")
        self.score_band.data = playbook.score_band.value if playbook.score_band else ""
        self.items.data = "\n".join(playbook.items)
        self.is_active.data = playbook.is_active

    def playbook(self) -> PlaybookInput:
        """The input for the service."""
        cause = self.root_cause_id.data
        band = self.score_band.data
        return PlaybookInput(
            name=self.name.data or "",
            trigger=PlaybookTrigger(self.trigger.data),
            root_cause_id=int(cause) if cause and cause.isdigit() else None,
            score_band=ScoreBand(band) if band else None,
            items=tuple((self.items.data or "").splitlines()),
            is_active=bool(self.is_active.data),
        )


class RecoverySettingsForm(BaseForm):
    """A team's goodwill budget and approval threshold, and its re-survey."""

    currency = SelectField(_l("Currency"), choices=[SelectChoice(c, c) for c in CURRENCIES])
    monthly_budget = StringField(
        _l("Monthly goodwill budget"),
        description=_l("Empty: no budget. Goodwill past it needs a manager."),
    )
    approval_threshold = StringField(
        _l("Approval needed above"),
        description=_l("Empty: no approval. Goodwill above it waits for a manager."),
    )
    resurvey_after_days = IntegerField(
        _l("Re-survey the customer this many days after resolution"),
        validators=[Optional(), NumberRange(min=1, max=90)],
        description=_l(
            "Empty: no re-survey. It goes out through the case's trigger rule, so consent, "
            "quiet hours and the recontact period still apply."
        ),
    )

    def post_validate(self) -> bool:
        """Amounts are empty or numbers with at most two decimals."""
        valid = True
        for field in (self.monthly_budget, self.approval_threshold):
            raw = (field.data or "").strip()
            if raw and raw not in {"0", "0.00"} and parse_amount(raw) is None:
                field.errors = [*field.errors, _l("Enter an amount with at most two decimals.")]
                valid = False
        return valid

    def load(self, row: TeamRecoverySettings | None) -> None:
        """Fill the form from the team's settings (empty without any)."""
        if row is None:
            return
        self.currency.data = row.currency
        self.monthly_budget.data = _money(row.monthly_budget)
        self.approval_threshold.data = _money(row.approval_threshold)
        self.resurvey_after_days.data = row.resurvey_after_days

    def settings(self) -> RecoverySettings:
        """The input for the service."""
        return RecoverySettings(
            currency=self.currency.data,
            monthly_budget=_amount(self.monthly_budget.data),
            approval_threshold=_amount(self.approval_threshold.data),
            resurvey_after_days=self.resurvey_after_days.data,
        )


class DigestForm(BaseForm):
    """Turn one's own daily digest on or off."""

    daily_digest = BooleanField(_l("Send me a daily digest of my cases"))


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _amount(raw: str | None) -> Decimal | None:
    text = (raw or "").strip()
    if not text:
        return None
    return parse_amount(text) or Decimal("0.00")
