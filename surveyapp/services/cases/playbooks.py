"""Playbooks (service layer): checklists per root cause or score band, ticked on cases.

CX owners and admins keep the playbooks. A case shows every active playbook whose root
cause it is tagged with, or whose score band it is in. Ticking an item (or unticking it)
writes a timeline event but is *not* a first action: the SLA's first action measures how fast
someone turned to the customer (a note, a call, a message), and a checkbox alone would stop
that clock without anyone having done so. Functions flush and leave the commit to the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence, Set
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from surveyapp.domain.case_recovery import PlaybookTrigger
from surveyapp.domain.case_rules import ScoreBand
from surveyapp.domain.case_states import CaseEventKind
from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.roles import Role
from surveyapp.models import Case, Playbook, PlaybookTick, RootCause, User
from surveyapp.services import audit
from surveyapp.services.cases import access
from surveyapp.services.cases.events import add_event
from surveyapp.services.errors import NotFound, PermissionDenied, ValidationFailed

log = logging.getLogger(__name__)

MAX_ITEMS = 20
MAX_ITEM_LENGTH = 200
MAX_NAME_LENGTH = 120
EDITORS = frozenset({Role.ADMIN, Role.CX_OWNER})


@dataclass(frozen=True)
class PlaybookInput:
    """A playbook as the settings form gives it."""

    name: str
    trigger: PlaybookTrigger
    root_cause_id: int | None
    score_band: ScoreBand | None
    items: tuple[str, ...]
    is_active: bool = True


@dataclass(frozen=True)
class ChecklistItem:
    """One item of a playbook on a case: its position, text and whether it is done."""

    index: int
    text: str
    is_done: bool


@dataclass(frozen=True)
class CaseChecklist:
    """A playbook as a case shows it."""

    playbook_id: int
    name: str
    items: tuple[ChecklistItem, ...]


def list_playbooks(session: Session) -> Sequence[Playbook]:
    """Every playbook, active first, by name."""
    return session.scalars(
        select(Playbook).order_by(Playbook.is_active.desc(), Playbook.name, Playbook.id)
    ).all()


def get_playbook(session: Session, playbook_id: int) -> Playbook:
    """The playbook with ``playbook_id`` or ``NotFound``."""
    playbook = session.get(Playbook, playbook_id)
    if playbook is None:
        raise NotFound(N_("This playbook does not exist."))
    return playbook


def save_playbook(
    session: Session,
    playbook_id: int | None,
    data: PlaybookInput,
    *,
    actor: User,
    clock: Clock,
) -> Playbook:
    """Create (``playbook_id`` None) or change a playbook.

    Raises ``PermissionDenied`` unless ``actor`` is an admin or CX owner, ``NotFound`` and
    ``ValidationFailed`` per field (name, items, root cause). Records ``playbook.saved``.
    Ticks of items that were removed stay on the timeline but no longer show. Flushes.
    """
    if actor.role not in EDITORS:
        raise PermissionDenied(N_("Only CX owners and admins edit playbooks."))
    _check(session, data)
    now = clock.now()
    if playbook_id is None:
        playbook = Playbook(created_at=now)
        session.add(playbook)
    else:
        playbook = get_playbook(session, playbook_id)
    playbook.name = data.name.strip()
    playbook.trigger = data.trigger
    playbook.root_cause_id = (
        data.root_cause_id if data.trigger == PlaybookTrigger.ROOT_CAUSE else None
    )
    playbook.score_band = data.score_band if data.trigger == PlaybookTrigger.SCORE_BAND else None
    playbook.items = [item.strip() for item in data.items if item.strip()]
    playbook.is_active = data.is_active
    playbook.updated_at = now
    session.flush()
    audit.record(
        session, "playbook.saved", clock=clock, actor=actor, details={"playbook": playbook.id}
    )
    log.info("Playbook %s saved by %s", playbook.id, actor.id)
    return playbook


def checklists_for(session: Session, case: Case) -> list[CaseChecklist]:
    """The active playbooks that apply to ``case`` with their items' done state."""
    cause_ids = [cause.id for cause in case.root_causes]
    playbooks = session.scalars(
        select(Playbook)
        .where(
            Playbook.is_active.is_(True),
            or_(
                Playbook.root_cause_id.in_(cause_ids),
                Playbook.score_band == case.score_band,
            ),
        )
        .order_by(Playbook.name, Playbook.id)
    ).all()
    if not playbooks:
        return []
    done = set(
        session.execute(
            select(PlaybookTick.playbook_id, PlaybookTick.item).where(
                PlaybookTick.case_id == case.id
            )
        )
    )
    return [
        CaseChecklist(
            playbook.id,
            playbook.name,
            tuple(
                ChecklistItem(index, text, (playbook.id, index) in done)
                for index, text in enumerate(playbook.items)
            ),
        )
        for playbook in playbooks
    ]


def tick_item(
    session: Session,
    case: Case,
    playbook_id: int,
    item: int,
    *,
    done: bool,
    actor: User,
    clock: Clock,
) -> bool:
    """Mark item ``item`` of a playbook as done (or not) on ``case``; whether it changed.

    Writes a timeline event per change; not a first action (see the module doc). Raises
    ``PermissionDenied`` and ``ValidationFailed`` for a playbook or item that does not apply
    to the case. Flushes.
    """
    access.check_may_work(actor, case)
    checklist = next(
        (c for c in checklists_for(session, case) if c.playbook_id == playbook_id), None
    )
    if checklist is None or not 0 <= item < len(checklist.items):
        raise ValidationFailed(N_("This checklist item does not apply to the case."))
    entry = checklist.items[item]
    if entry.is_done == done:
        return False
    if done:
        session.add(
            PlaybookTick(
                case_id=case.id,
                playbook_id=playbook_id,
                item=item,
                ticked_at=clock.now(),
                ticked_by_id=actor.id,
            )
        )
    else:
        tick = session.scalars(
            select(PlaybookTick).where(
                PlaybookTick.case_id == case.id,
                PlaybookTick.playbook_id == playbook_id,
                PlaybookTick.item == item,
            )
        ).one()
        session.delete(tick)
    add_event(
        session,
        case.id,
        CaseEventKind.PLAYBOOK_TICKED if done else CaseEventKind.PLAYBOOK_UNTICKED,
        actor=actor,
        clock=clock,
        body=entry.text,
        details={"playbook_id": playbook_id, "playbook": checklist.name, "item": item},
    )
    session.flush()
    return True


def _check(session: Session, data: PlaybookInput) -> None:
    errors: dict[str, str] = {}
    if not data.name.strip() or len(data.name.strip()) > MAX_NAME_LENGTH:
        errors["name"] = N_("Give the playbook a name of at most 120 characters.")
    items = [item.strip() for item in data.items if item.strip()]
    if not items or len(items) > MAX_ITEMS:
        errors["items"] = N_("Write between 1 and 20 checklist items, one per line.")
    elif any(len(item) > MAX_ITEM_LENGTH for item in items):
        errors["items"] = N_("Keep each checklist item under 200 characters.")
    if data.trigger == PlaybookTrigger.ROOT_CAUSE:
        cause = session.get(RootCause, data.root_cause_id) if data.root_cause_id else None
        if cause is None:
            errors["root_cause_id"] = N_("Choose a root cause.")
    elif data.score_band in {None, ScoreBand.NONE}:
        errors["score_band"] = N_("Choose a score band.")
    if errors:
        raise ValidationFailed(N_("Please check the marked fields."), errors)


def save_checklist(
    session: Session,
    case: Case,
    playbook_id: int,
    done_items: Set[int],
    *,
    actor: User,
    clock: Clock,
) -> int:
    """Make exactly ``done_items`` of a playbook's checklist done on ``case``; how many changed.

    Each change is one timeline event (``tick_item``). Raises as ``tick_item``. Flushes.
    """
    access.check_may_work(actor, case)
    checklist = next(
        (c for c in checklists_for(session, case) if c.playbook_id == playbook_id), None
    )
    if checklist is None or not done_items <= {item.index for item in checklist.items}:
        raise ValidationFailed(N_("This checklist item does not apply to the case."))
    return sum(
        tick_item(
            session,
            case,
            playbook_id,
            item.index,
            done=item.index in done_items,
            actor=actor,
            clock=clock,
        )
        for item in checklist.items
    )
