"""Marking user-facing messages for translation outside the web layer."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 -- the conventional gettext marker name
    """Mark ``message`` for extraction into the catalogues; the web layer translates it."""
    return message
