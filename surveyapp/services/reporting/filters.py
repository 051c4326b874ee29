"""Reporting filters: what a dashboard, journey page or report narrows responses to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from surveyapp.domain.i18n import N_
from surveyapp.models import Channel
from surveyapp.services.errors import ValidationFailed

# Without dates a report covers the last 12 weeks, today included.
DEFAULT_PERIOD_DAYS = 84
# Longer ranges are refused: the weekly charts would grow past what a page can show.
MAX_PERIOD_DAYS = 3 * 366
ATTRIBUTE_NAME_MAX = 64
ATTRIBUTE_VALUE_MAX = 200
QUERY_FIELDS = (
    "date_from",
    "date_to",
    "touchpoint_id",
    "team_id",
    "channel",
    "survey_id",
    "locale",
    "attribute",
    "attribute_value",
)


@dataclass(frozen=True)
class ReportFilters:
    """A report's scope. Days are UTC calendar days; ``date_to`` is included.

    ``None`` means "any". A response belongs to the day it was started (as in the response
    list, so a drill-down shows exactly the responses behind a figure). ``attribute`` and
    ``attribute_value`` narrow to contacts whose attribute has that value (as text); the
    rollups do not cover contact attributes, so such reports read the responses themselves.
    """

    date_from: date
    date_to: date
    touchpoint_id: int | None = None
    team_id: int | None = None
    channel: Channel | None = None
    survey_id: int | None = None
    locale: str | None = None
    attribute: str | None = None
    attribute_value: str | None = None

    @property
    def days(self) -> int:
        """Number of days covered, both ends included."""
        return (self.date_to - self.date_from).days + 1

    @property
    def needs_raw_responses(self) -> bool:
        """Whether the figures must come from the responses (a contact attribute filter)."""
        return self.attribute is not None

    def previous_period(self) -> ReportFilters:
        """The same filters over the period of equal length just before this one."""
        return replace(
            self,
            date_from=self.date_from - timedelta(days=self.days),
            date_to=self.date_from - timedelta(days=1),
        )

    def with_dates(self, date_from: date, date_to: date) -> ReportFilters:
        """The same filters over another period."""
        return replace(self, date_from=date_from, date_to=date_to)

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments (empty ones left out); parse_filters reads them."""
        values = {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "touchpoint_id": _text(self.touchpoint_id),
            "team_id": _text(self.team_id),
            "channel": self.channel.value if self.channel else "",
            "survey_id": _text(self.survey_id),
            "locale": self.locale or "",
            "attribute": self.attribute or "",
            "attribute_value": self.attribute_value or "",
        }
        return {name: value for name, value in values.items() if value}


def default_filters(today: date) -> ReportFilters:
    """The last ``DEFAULT_PERIOD_DAYS`` days up to ``today`` (a UTC day), nothing else narrowed."""
    return ReportFilters(date_from=today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), date_to=today)


def parse_filters(args: Mapping[str, str], *, today: date) -> ReportFilters:
    """Read filters from query-string arguments (as ``ReportFilters.query_args`` writes them).

    Missing or empty arguments mean "any"; missing dates default to the last
    ``DEFAULT_PERIOD_DAYS`` days ending ``today`` (UTC). Raises ``ValidationFailed`` with one
    message per bad field (malformed number or date, unknown channel, reversed or too long
    range, an attribute value without its name).
    """
    errors: dict[str, str] = {}
    default = default_filters(today)
    date_from = _date(args, "date_from", default.date_from, errors)
    date_to = _date(args, "date_to", today, errors)
    if "date_from" not in errors and "date_to" not in errors:
        if date_from > date_to:
            errors["date_to"] = N_("The end date must not be before the start date.")
        elif (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
            errors["date_from"] = N_("Choose a period of at most three years.")
    attribute = _bounded(args, "attribute", ATTRIBUTE_NAME_MAX, errors)
    attribute_value = _bounded(args, "attribute_value", ATTRIBUTE_VALUE_MAX, errors)
    if attribute_value is not None and attribute is None:
        errors["attribute"] = N_("Name the contact attribute the value belongs to.")
    filters = ReportFilters(
        date_from=date_from,
        date_to=date_to,
        touchpoint_id=_identifier(args, "touchpoint_id", errors),
        team_id=_identifier(args, "team_id", errors),
        channel=_channel(args, errors),
        survey_id=_identifier(args, "survey_id", errors),
        locale=_bounded(args, "locale", 8, errors),
        attribute=attribute,
        attribute_value=attribute_value if attribute is not None else None,
    )
    if errors:
        raise ValidationFailed(N_("Please check the marked filters."), errors)
    return filters


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _raw(args: Mapping[str, str], name: str) -> str | None:
    value = (args.get(name) or "").strip()
    return value or None


def _date(args: Mapping[str, str], name: str, default: date, errors: dict[str, str]) -> date:
    raw = _raw(args, name)
    if raw is None:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = N_("Enter a date as YYYY-MM-DD.")
        return default


def _identifier(args: Mapping[str, str], name: str, errors: dict[str, str]) -> int | None:
    raw = _raw(args, name)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:  # noqa: PLR2004 -- fits a 64-bit key
        errors[name] = N_("Choose one of the listed entries.")
        return None
    return int(raw)


def _channel(args: Mapping[str, str], errors: dict[str, str]) -> Channel | None:
    raw = _raw(args, "channel")
    if raw is None:
        return None
    try:
        return Channel(raw)
    except ValueError:
        errors["channel"] = N_("Choose one of the listed entries.")
        return None


def _bounded(args: Mapping[str, str], name: str, limit: int, errors: dict[str, str]) -> str | None:
    raw = _raw(args, name)
    if raw is not None and len(raw) > limit:
        errors[name] = N_("This value is too long.")
        return None
    return raw
