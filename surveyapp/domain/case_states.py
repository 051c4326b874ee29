"""The follow-up case life cycle as a transition table, with the roles allowed on each arrow.

``new -> in_progress -> waiting_on_customer -> resolved -> closed``, and back to
``in_progress`` when a case is reopened. The honest loop rules live here too, because they are
rules of the life cycle rather than of any screen:

- A case leaves ``new`` only through a *human action* (a note, a logged call, a written
  message): there is no arrow out of ``new`` that a status button can take, and the
  ``system`` party takes no arrow at all, so no automatic acknowledgement ever counts as the
  first action and no case ever closes itself after a time.
- ``resolved`` needs an outcome: a resolution text and at least one root cause.
- The customer's "no, my issue is not solved" reopens a resolved or closed case.
"""

from __future__ import annotations

from enum import StrEnum

from surveyapp.domain.roles import Role
from surveyapp.domain.states import IllegalTransition


class CaseStatus(StrEnum):
    """Where a follow-up case stands; stored in ``cases.status``."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


# Cases someone still has to work on: the inbox, the workload and the SLA clocks count these.
OPEN_STATUSES: frozenset[CaseStatus] = frozenset(
    {CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_ON_CUSTOMER}
)


class Party(StrEnum):
    """Who besides staff can act on a case: the customer (through the message) and the system."""

    CUSTOMER = "customer"
    SYSTEM = "system"


Actor = Role | Party

# Staff who work cases. CX owners and viewers read cases but do not work them.
WORKERS: frozenset[Actor] = frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT})
# Closing a case and reopening a closed one is a manager's call.
SUPERVISORS: frozenset[Actor] = frozenset({Role.ADMIN, Role.MANAGER})

# (from, to) -> who may take the arrow. NEW has no entry: it is left by a human action only.
_CASE_MOVES: dict[tuple[CaseStatus, CaseStatus], frozenset[Actor]] = {
    (CaseStatus.IN_PROGRESS, CaseStatus.WAITING_ON_CUSTOMER): WORKERS,
    (CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED): WORKERS,
    (CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.IN_PROGRESS): WORKERS,
    (CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.RESOLVED): WORKERS,
    (CaseStatus.RESOLVED, CaseStatus.CLOSED): SUPERVISORS,
    # Reopening.
    (CaseStatus.RESOLVED, CaseStatus.IN_PROGRESS): WORKERS | {Party.CUSTOMER},
    (CaseStatus.CLOSED, CaseStatus.IN_PROGRESS): SUPERVISORS | {Party.CUSTOMER},
}


class TransitionNotAllowed(IllegalTransition):
    """The arrow exists, but not for this actor."""


class OutcomeMissing(IllegalTransition):
    """Resolving needs a resolution text and a root cause."""


def targets_from(status: CaseStatus, actor: Actor) -> list[CaseStatus]:
    """The statuses ``actor`` may move a ``status`` case to by hand, in life-cycle order."""
    return [
        target for target in CaseStatus if actor in _CASE_MOVES.get((status, target), frozenset())
    ]


def is_reopening(current: CaseStatus, target: CaseStatus) -> bool:
    """Whether ``current -> target`` reopens a finished case."""
    return current in {CaseStatus.RESOLVED, CaseStatus.CLOSED} and target in OPEN_STATUSES


def move_case(
    current: CaseStatus, target: CaseStatus, *, actor: Actor, has_outcome: bool = False
) -> CaseStatus:
    """Return ``target`` if ``actor`` may move a case from ``current`` to it, else raise.

    Raises:
        IllegalTransition: the life cycle has no such arrow (leaving ``new`` by a status
            change, skipping ``resolved`` on the way to ``closed``, staying put).
        TransitionNotAllowed: the arrow exists but ``actor`` may not take it.
        OutcomeMissing: ``target`` is ``resolved`` and ``has_outcome`` is false.
    """
    allowed = _CASE_MOVES.get((current, target))
    if allowed is None:
        raise IllegalTransition(f"a case cannot go from {current} to {target}")
    if actor not in allowed:
        raise TransitionNotAllowed(f"{actor} may not move a case from {current} to {target}")
    if target == CaseStatus.RESOLVED and not has_outcome:
        raise OutcomeMissing("resolving needs a resolution text and a root cause")
    return target


def after_human_action(current: CaseStatus, *, actor: Actor) -> CaseStatus:
    """The status after ``actor`` adds a note, logs a call or writes to the customer.

    A ``new`` case starts being worked (``in_progress``); any other status stays. Only staff
    who work cases act; anyone else raises ``TransitionNotAllowed``.
    """
    if actor not in WORKERS:
        raise TransitionNotAllowed(f"{actor} does not work cases")
    return CaseStatus.IN_PROGRESS if current == CaseStatus.NEW else current


def has_outcome(resolution: str | None, root_cause_count: int) -> bool:
    """Whether a case carries what resolving needs: a resolution text and a root cause."""
    return bool((resolution or "").strip()) and root_cause_count > 0


class CaseEventKind(StrEnum):
    """One entry on a case's timeline (``case_events.kind``)."""

    OPENED = "opened"
    NOTE = "note"
    CALL = "call"
    MESSAGE = "message"  # a close-the-loop message written to the customer
    STATUS = "status"
    ASSIGNED = "assigned"
    TAGGED = "tagged"
    RESOLUTION = "resolution"  # the resolution text was written or changed
    REMINDED = "reminded"  # escalation step 1: the owner was reminded
    ESCALATED = "escalated"  # escalation step 2: the team's managers were told
    CUSTOMER_SOLVED = "customer_solved"  # "Did we solve your issue?" - yes
    CUSTOMER_NOT_SOLVED = "customer_not_solved"  # - no: the case reopens
    MAIL_FAILED = "mail_failed"  # a message to the customer could not be delivered
    PLAYBOOK_TICKED = "playbook_ticked"  # a playbook's checklist item was done
    PLAYBOOK_UNTICKED = "playbook_unticked"  # ... or marked as not done after all
    GOODWILL = "goodwill"  # goodwill was recorded (approved, or waiting for a manager)
    GOODWILL_DECIDED = "goodwill_decided"  # a manager approved or rejected goodwill
    RESURVEYED = "resurveyed"  # the re-survey went to dispatch
    RESURVEY_ANSWERED = "resurvey_answered"  # the customer answered the re-survey


# The kinds that count as the first (human) action on a case.
HUMAN_ACTIONS: frozenset[CaseEventKind] = frozenset(
    {CaseEventKind.NOTE, CaseEventKind.CALL, CaseEventKind.MESSAGE}
)
