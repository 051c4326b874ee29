"""Typed errors that services raise and the web layer maps to messages and status codes."""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """Base of every expected failure of a service call."""

    status = 400

    def __init__(self, message: str) -> None:
        """Keep ``message`` as the user-facing explanation (already safe to show)."""
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    """The requested object does not exist (or the actor may not know it exists)."""

    status = 404


class PermissionDenied(ServiceError):
    """The actor may not do this."""

    status = 403


class Conflict(ServiceError):
    """The request contradicts the current state (a duplicate, a stale edit)."""

    status = 409


class ValidationFailed(ServiceError):
    """Input broke a business rule; ``field_errors`` maps form field names to messages."""

    status = 422

    def __init__(self, message: str, field_errors: Mapping[str, str] | None = None) -> None:
        """Keep per-field messages so forms can show each next to its field."""
        super().__init__(message)
        self.field_errors = dict(field_errors or {})

    @classmethod
    def on_field(cls, field: str, message: str) -> ValidationFailed:
        """A failure about one form field, shown next to it."""
        return cls(message, {field: message})
