"""The one-per-line text notations of the rule form, to and from the stored rule settings.

``contact.plan in pro,enterprise`` (conditions), ``DE-BY 2026-08-15`` (holidays) and
``small-market = 100`` (sampling per stratum). Bad lines raise ``LineError`` naming the line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from flask_babel import gettext as _

from surveyapp.domain.eligibility import CONDITION_OPERATORS

SOURCES = ("interaction", "contact")
NUMERIC_OPERATORS = ("gt", "gte", "lt", "lte")
ATTRIBUTE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
REGION = re.compile(r"\*|[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class LineError(ValueError):
    """A line that does not follow the notation; ``str()`` is the translated message."""


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line.strip()


def parse_conditions(text: str) -> list[dict[str, Any]]:
    """``<source>.<attribute> <operator> <value>`` per line into the rule's condition dicts."""
    conditions = []
    for number, line in _lines(text):
        parts = line.split(None, 2)
        if len(parts) < 3:  # noqa: PLR2004 -- target, operator, value
            raise LineError(
                _(
                    "Line %(number)d: write an attribute, an operator and a value, "
                    "e.g. contact.plan in pro,enterprise.",
                    number=number,
                )
            )
        target, op, raw = parts[0], parts[1].lower(), parts[2].strip()
        source, _dot, attribute = target.partition(".")
        if source.lower() not in SOURCES or not ATTRIBUTE.fullmatch(attribute):
            raise LineError(
                _(
                    "Line %(number)d: begin with interaction.<attribute> or contact.<attribute>.",
                    number=number,
                )
            )
        if op not in CONDITION_OPERATORS:
            raise LineError(
                _(
                    "Line %(number)d: use one of the operators %(operators)s.",
                    number=number,
                    operators=", ".join(CONDITION_OPERATORS),
                )
            )
        conditions.append(
            {
                "source": source.lower(),
                "attribute": attribute,
                "op": op,
                "value": _condition_value(number, op, raw),
            }
        )
    return conditions


def _condition_value(number: int, op: str, raw: str) -> Any:
    if op == "in":
        items = [item.strip() for item in raw.split(",") if item.strip()]
        if not items:
            raise LineError(
                _("Line %(number)d: list the values, separated by commas.", number=number)
            )
        return items
    if op in NUMERIC_OPERATORS:
        value = parse_number(raw)
        if value is None:
            raise LineError(
                _("Line %(number)d: %(operator)s needs a number.", number=number, operator=op)
            )
        return value
    return raw


def parse_number(raw: str) -> int | float | None:
    """A finite number, as ``int`` when written without a decimal point; else ``None``."""
    try:
        value = float(raw)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() and "." not in raw else value


def parse_holidays(text: str) -> list[dict[str, str]]:
    """``<region> <YYYY-MM-DD>`` per line (region ``*`` for everyone) into holiday dicts."""
    holidays = []
    for number, line in _lines(text):
        parts = line.split()
        if (
            len(parts) != 2  # noqa: PLR2004 -- region and date
            or not REGION.fullmatch(parts[0])
            or not _is_date(parts[1])
        ):
            raise LineError(
                _(
                    "Line %(number)d: write a region (or * for all) and a date as YYYY-MM-DD, "
                    "e.g. DE-BY 2026-08-15.",
                    number=number,
                )
            )
        holidays.append({"region": parts[0], "date": parts[1]})
    return holidays


def _is_date(value: str) -> bool:
    if not ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def parse_stratum_rates(text: str) -> dict[str, float]:
    """``<value> = <percent>`` per line into rates from 0.0 to 1.0 by stratum value."""
    rates: dict[str, float] = {}
    for number, line in _lines(text):
        value, equals, raw = line.rpartition("=")
        percent = parse_number(raw.strip().rstrip("%").strip()) if equals else None
        if not value.strip() or percent is None or not 0 <= percent <= 100:  # noqa: PLR2004
            raise LineError(
                _(
                    "Line %(number)d: write a value, = and a percentage from 0 to 100, "
                    "e.g. small-market = 100.",
                    number=number,
                )
            )
        rates[value.strip()] = percent / 100
    return rates


def conditions_text(conditions: Sequence[Mapping[str, Any]]) -> str:
    """The stored conditions in the notation ``parse_conditions`` reads."""
    lines = []
    for condition in conditions:
        value = condition.get("value")
        shown = ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
        lines.append(f"{condition['source']}.{condition['attribute']} {condition['op']} {shown}")
    return "\n".join(lines)


def holidays_text(holidays: Sequence[Mapping[str, str]]) -> str:
    """The stored holidays in the notation ``parse_holidays`` reads."""
    return "\n".join(f"{h.get('region', '*')} {h['date']}" for h in holidays)


def stratum_rates_text(rates: Mapping[str, float]) -> str:
    """The stored stratum rates as percentages, one ``value = percent`` per line."""
    return "\n".join(f"{value} = {percent_text(rate)}" for value, rate in rates.items())


def percent_text(rate: float) -> str:
    """A rate (0.0 to 1.0) as a plain percentage number, e.g. ``12.5``."""
    return f"{round(rate * 100, 6):g}"
