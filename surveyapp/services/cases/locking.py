"""Optimistic locking of cases (service layer): a stale form never overwrites a newer save."""

from __future__ import annotations

from surveyapp.domain.i18n import N_
from surveyapp.models import Case
from surveyapp.services.errors import Conflict

STALE_MESSAGE = N_(
    "Someone else changed this case while you were looking at it. Nothing of yours was "
    "saved: the page now shows the newest state, please check it and try again."
)


class StaleCase(Conflict):
    """The case changed since the form was loaded (its version moved on)."""

    def __init__(self) -> None:
        super().__init__(STALE_MESSAGE)


def checked_version(case: Case, expected_version: int) -> None:
    """Raise ``StaleCase`` unless ``case`` is still at ``expected_version``.

    The ORM's ``version_id_col`` catches the race between this check and the commit: the
    UPDATE then matches no row and the flush raises ``StaleDataError``, which the boundary
    turns into the same message (``services.cases.work.stale_guard``).
    """
    if case.version != expected_version:
        raise StaleCase
