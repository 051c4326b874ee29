"""Formula-injection neutralisation for exports (pure): spreadsheet tools must not run cells."""

from __future__ import annotations

# A cell starting with one of these is read as a formula (or hides one behind a tab or line
# break) by Excel, LibreOffice and Google Sheets (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """``value`` unchanged, except text starting like a formula, which gets a leading ``'``.

    Numbers stay numbers (a negative number is data, not a formula); only text is changed.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
