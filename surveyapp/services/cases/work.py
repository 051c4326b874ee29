"""Working a case (service layer): notes, logged calls, status changes, root causes, resolving.

Every change goes through the case life cycle (``domain.case_states``) and lands on the
timeline. Notes and calls only add to the timeline, so they never conflict; changes that
replace something (status, root causes, resolution text) take the ``version`` the form was
loaded with and raise ``StaleCase`` when someone saved in between. All functions flush and
leave the commit to the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from surveyapp.domain.case_states import (
    HUMAN_ACTIONS,
    CaseEventKind,
    CaseStatus,
    OutcomeMissing,
    Party,
    TransitionNotAllowed,
    after_human_action,
    has_outcome,
    is_reopening,
    move_case,
)
from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.states import IllegalTransition
from surveyapp.models import Case, RootCause, User
from surveyapp.services.cases import access
from surveyapp.services.cases.events import add_event
from surveyapp.services.cases.locking import StaleCase, checked_version
from surveyapp.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

log = logging.getLogger(__name__)

MAX_NOTE_LENGTH = 5000


def get_case(session: Session, case_id: int) -> Case:
    """The case with ``case_id`` (root causes loaded) or ``NotFound``."""
    case = session.scalars(
        select(Case).where(Case.id == case_id).options(selectinload(Case.root_causes))
    ).one_or_none()
    if case is None:
        raise NotFound(N_("This case does not exist."))
    return case


def add_note(
    session: Session,
    case: Case,
    text: str,
    *,
    kind: CaseEventKind = CaseEventKind.NOTE,
    reached: bool | None = None,
    actor: User,
    clock: Clock,
) -> Case:
    """Add a note or a logged call (``kind`` ``CALL``, ``reached``: whether someone answered).

    The first human action on a case: stamps ``first_action_at`` and moves a ``new`` case to
    ``in_progress``. Raises ``PermissionDenied`` and ``ValidationFailed`` (empty or too
    long text, on ``text``).
    """
    if kind not in {CaseEventKind.NOTE, CaseEventKind.CALL}:
        raise ValueError(f"{kind} is not a note")
    access.check_may_work(actor, case)
    body = _clean_text(text, "text")
    details: dict[str, object] = {} if reached is None else {"reached": reached}
    record_human_action(session, case, kind, body=body, details=details, actor=actor, clock=clock)
    _flush(session)
    log.info("Case %s: %s by %s", case.id, kind, actor.id)
    return case


def record_human_action(
    session: Session,
    case: Case,
    kind: CaseEventKind,
    *,
    body: str,
    details: dict[str, object],
    actor: User,
    clock: Clock,
) -> None:
    """Put a human action (note, call, message) on the timeline and start the case's work.

    For the services of this package; the caller has checked access and flushes.
    """
    assert kind in HUMAN_ACTIONS  # noqa: S101 -- a programming error, not input
    now = clock.now()
    before = case.status
    try:
        case.status = after_human_action(before, actor=actor.role)
    except TransitionNotAllowed:
        raise PermissionDenied(N_("Your role does not work cases.")) from None
    if case.first_action_at is None:
        case.first_action_at = now
    case.updated_at = now
    add_event(session, case.id, kind, actor=actor, clock=clock, body=body, details=details)
    if case.status != before:
        _status_event(session, case, before, actor, clock)


def move(
    session: Session,
    case: Case,
    target: CaseStatus,
    *,
    expected_version: int,
    actor: User,
    clock: Clock,
) -> Case:
    """Move ``case`` to ``target`` along the life cycle (resolving needs an outcome).

    Reopening counts in ``reopen_count`` and clears the resolved and closed times; due times
    stay. Raises ``PermissionDenied``, ``StaleCase``, ``Conflict`` for a move the life cycle
    does not have and ``ValidationFailed`` when resolving without an outcome.
    """
    access.check_may_work(actor, case)
    checked_version(case, expected_version)
    before = case.status
    try:
        case.status = move_case(
            before,
            target,
            actor=actor.role,
            has_outcome=has_outcome(case.resolution, len(case.root_causes)),
        )
    except OutcomeMissing:
        raise ValidationFailed(
            N_("Write the resolution and choose at least one root cause before resolving.")
        ) from None
    except TransitionNotAllowed:
        raise PermissionDenied(N_("Your role cannot make this change.")) from None
    except IllegalTransition:
        raise Conflict(N_("This case cannot move to that status from where it is.")) from None
    now = clock.now()
    case.updated_at = now
    if target == CaseStatus.RESOLVED:
        case.resolved_at = now
    elif target == CaseStatus.CLOSED:
        case.closed_at = now
    elif is_reopening(before, target):
        case.reopen_count += 1
        case.resolved_at = case.closed_at = None
    _status_event(session, case, before, actor, clock)
    _flush(session)
    log.info("Case %s moved from %s to %s by %s", case.id, before, target, actor.id)
    return case


def reopen_as_customer(session: Session, case: Case, *, clock: Clock) -> bool:
    """The customer said the issue is not solved: a resolved or closed case reopens.

    Returns whether the case moved (an open case stays as it is). Flushes.
    """
    before = case.status
    if before not in {CaseStatus.RESOLVED, CaseStatus.CLOSED}:
        return False
    case.status = move_case(before, CaseStatus.IN_PROGRESS, actor=Party.CUSTOMER)
    case.reopen_count += 1
    case.resolved_at = case.closed_at = None
    case.updated_at = clock.now()
    add_event(
        session,
        case.id,
        CaseEventKind.STATUS,
        actor=Party.CUSTOMER,
        clock=clock,
        details={"from": before.value, "to": case.status.value},
    )
    _flush(session)
    log.info("Case %s reopened by the customer", case.id)
    return True


def set_root_causes(
    session: Session,
    case: Case,
    root_cause_ids: Sequence[int],
    *,
    expected_version: int,
    actor: User,
    clock: Clock,
) -> Case:
    """Tag ``case`` with exactly these root causes (retired ones may stay, not be added).

    Raises ``PermissionDenied``, ``StaleCase`` and ``ValidationFailed`` on ``root_causes``.
    """
    access.check_may_work(actor, case)
    checked_version(case, expected_version)
    wanted = set(root_cause_ids)
    current = {cause.id: cause for cause in case.root_causes}
    found = {
        cause.id: cause
        for cause in session.scalars(select(RootCause).where(RootCause.id.in_(wanted)))
    }
    if set(found) != wanted or any(
        not cause.is_active and cause.id not in current for cause in found.values()
    ):
        raise ValidationFailed.on_field("root_causes", N_("Choose root causes from the list."))
    if wanted == set(current):
        return case
    case.root_causes = sorted(found.values(), key=lambda cause: cause.name)
    case.updated_at = clock.now()
    add_event(
        session,
        case.id,
        CaseEventKind.TAGGED,
        actor=actor,
        clock=clock,
        details={
            "added": sorted(found[i].name for i in wanted - set(current)),
            "removed": sorted(current[i].name for i in set(current) - wanted),
        },
    )
    _flush(session)
    return case


def save_resolution(
    session: Session,
    case: Case,
    text: str,
    *,
    expected_version: int,
    actor: User,
    clock: Clock,
) -> Case:
    """Write or change the resolution text: what was done and what came of it.

    Raises ``PermissionDenied``, ``StaleCase`` and ``ValidationFailed`` on ``resolution``.
    """
    access.check_may_work(actor, case)
    checked_version(case, expected_version)
    clean = _clean_text(text, "resolution")
    if clean == case.resolution:
        return case
    case.resolution = clean
    case.updated_at = clock.now()
    add_event(session, case.id, CaseEventKind.RESOLUTION, actor=actor, clock=clock, body=clean)
    _flush(session)
    return case


def resolve(
    session: Session,
    case: Case,
    *,
    resolution: str,
    root_cause_ids: Sequence[int],
    expected_version: int,
    actor: User,
    clock: Clock,
) -> Case:
    """Write the outcome and resolve in one step (the case page's "Resolve" form)."""
    set_root_causes(
        session, case, root_cause_ids, expected_version=expected_version, actor=actor, clock=clock
    )
    save_resolution(
        session, case, resolution, expected_version=case.version, actor=actor, clock=clock
    )
    return move(
        session, case, CaseStatus.RESOLVED, expected_version=case.version, actor=actor, clock=clock
    )


def _status_event(
    session: Session, case: Case, before: CaseStatus, actor: User, clock: Clock
) -> None:
    add_event(
        session,
        case.id,
        CaseEventKind.STATUS,
        actor=actor,
        clock=clock,
        details={"from": before.value, "to": case.status.value},
    )


def _clean_text(text: str, field: str) -> str:
    clean = text.strip()
    if not clean:
        raise ValidationFailed.on_field(field, N_("Write something first."))
    if len(clean) > MAX_NOTE_LENGTH:
        raise ValidationFailed.on_field(field, N_("Use at most 5,000 characters."))
    return clean


def _flush(session: Session) -> None:
    """Flush; a concurrent save of the same case (its version moved on) is a ``StaleCase``."""
    try:
        session.flush()
    except StaleDataError:
        raise StaleCase from None
