"""Playbooks: checklists per root cause or score band, shown and ticked on cases."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.case_recovery import PlaybookTrigger
from surveyapp.domain.case_rules import ScoreBand
from surveyapp.domain.case_states import CaseEventKind, CaseStatus
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import Case, CaseEvent
from surveyapp.services.cases import playbooks, work
from surveyapp.services.cases.playbooks import PlaybookInput
from surveyapp.services.errors import PermissionDenied, ValidationFailed
from tests.factories import answer_invitation, case_of, make_case_setup, make_root_cause, make_user


def _case(session: Session, clock: FixedClock, score: int = 2) -> tuple[Case, object]:
    setup = make_case_setup(session, clock)
    case = case_of(session, answer_invitation(session, clock, f"P-{score}", score=score))
    assert case is not None
    return case, setup


def test_the_case_shows_the_playbooks_of_its_band_and_root_cause(
    session: Session, clock: FixedClock
) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    cause = make_root_cause(session, "Late delivery")
    band = playbooks.save_playbook(
        session,
        None,
        PlaybookInput(
            "Very unhappy customers",
            PlaybookTrigger.SCORE_BAND,
            None,
            ScoreBand.VERY_UNHAPPY,
            ("Call within 4 hours", "Offer a voucher"),
        ),
        actor=owner,
        clock=clock,
    )
    playbooks.save_playbook(
        session,
        None,
        PlaybookInput("Late delivery", PlaybookTrigger.ROOT_CAUSE, cause.id, None, ("Track it",)),
        actor=owner,
        clock=clock,
    )
    case, setup = _case(session, clock, score=2)

    assert [c.name for c in playbooks.checklists_for(session, case)] == [band.name]
    work.set_root_causes(
        session,
        case,
        [cause.id],
        expected_version=case.version,
        actor=setup.manager,
        clock=clock,  # type: ignore[attr-defined]
    )
    shown = playbooks.checklists_for(session, case)
    assert [c.name for c in shown] == ["Late delivery", "Very unhappy customers"]
    assert [item.text for item in shown[1].items] == ["Call within 4 hours", "Offer a voucher"]


def test_ticking_an_item_lands_on_the_timeline_but_is_not_a_first_action(
    session: Session, clock: FixedClock
) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    playbook = playbooks.save_playbook(
        session,
        None,
        PlaybookInput(
            "Rescue", PlaybookTrigger.SCORE_BAND, None, ScoreBand.VERY_UNHAPPY, ("Call",)
        ),
        actor=owner,
        clock=clock,
    )
    case, setup = _case(session, clock, score=1)
    agent = setup.agents[0]  # type: ignore[attr-defined]

    assert playbooks.tick_item(session, case, playbook.id, 0, done=True, actor=agent, clock=clock)
    assert not playbooks.tick_item(
        session, case, playbook.id, 0, done=True, actor=agent, clock=clock
    )

    assert case.first_action_at is None
    assert case.status == CaseStatus.NEW
    (checklist,) = playbooks.checklists_for(session, case)
    assert checklist.items[0].is_done
    assert playbooks.tick_item(session, case, playbook.id, 0, done=False, actor=agent, clock=clock)
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    ).all()
    assert [e.kind for e in events][-2:] == [
        CaseEventKind.PLAYBOOK_TICKED,
        CaseEventKind.PLAYBOOK_UNTICKED,
    ]
    assert events[-1].body == "Call"
    with pytest.raises(ValidationFailed):
        playbooks.tick_item(session, case, playbook.id, 5, done=True, actor=agent, clock=clock)


def test_only_cx_owners_and_admins_edit_playbooks_and_input_is_checked(
    session: Session, clock: FixedClock
) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    agent = make_user(session, role=Role.AGENT)
    data = PlaybookInput("X", PlaybookTrigger.SCORE_BAND, None, ScoreBand.UNHAPPY, ("Do it",))
    with pytest.raises(PermissionDenied):
        playbooks.save_playbook(session, None, data, actor=agent, clock=clock)
    with pytest.raises(ValidationFailed) as error:
        playbooks.save_playbook(
            session,
            None,
            PlaybookInput(" ", PlaybookTrigger.ROOT_CAUSE, None, None, ()),
            actor=owner,
            clock=clock,
        )
    assert set(error.value.field_errors) == {"name", "items", "root_cause_id"}
    assert playbooks.list_playbooks(session) == []
