"""The case life cycle: the transition table, and random walks through it (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from surveyapp.domain.case_states import (
    OPEN_STATUSES,
    WORKERS,
    Actor,
    CaseStatus,
    OutcomeMissing,
    Party,
    TransitionNotAllowed,
    after_human_action,
    has_outcome,
    is_reopening,
    move_case,
    targets_from,
)
from surveyapp.domain.roles import Role
from surveyapp.domain.states import IllegalTransition

ACTORS: list[Actor] = [*Role, *Party]


def test_the_happy_path_needs_a_human_first_and_an_outcome_to_resolve() -> None:
    status = after_human_action(CaseStatus.NEW, actor=Role.AGENT)
    assert status == CaseStatus.IN_PROGRESS
    status = move_case(status, CaseStatus.WAITING_ON_CUSTOMER, actor=Role.AGENT)
    status = move_case(status, CaseStatus.RESOLVED, actor=Role.AGENT, has_outcome=True)
    status = move_case(status, CaseStatus.CLOSED, actor=Role.MANAGER)
    assert status == CaseStatus.CLOSED


@pytest.mark.parametrize("target", list(CaseStatus))
def test_a_new_case_moves_by_no_status_change_only_by_a_human_action(
    target: CaseStatus,
) -> None:
    with pytest.raises(IllegalTransition):
        move_case(CaseStatus.NEW, target, actor=Role.ADMIN, has_outcome=True)
    assert targets_from(CaseStatus.NEW, Role.ADMIN) == []


def test_the_system_never_acts_and_cases_never_close_themselves() -> None:
    for status in CaseStatus:
        assert targets_from(status, Party.SYSTEM) == []
    with pytest.raises(TransitionNotAllowed):
        after_human_action(CaseStatus.NEW, actor=Party.SYSTEM)
    with pytest.raises(TransitionNotAllowed):
        move_case(CaseStatus.RESOLVED, CaseStatus.CLOSED, actor=Party.SYSTEM)


def test_resolving_without_an_outcome_is_refused() -> None:
    with pytest.raises(OutcomeMissing):
        move_case(CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, actor=Role.MANAGER)
    assert not has_outcome("  ", 1)
    assert not has_outcome("Refunded the fee.", 0)
    assert has_outcome("Refunded the fee.", 1)


def test_roles_per_arrow() -> None:
    assert targets_from(CaseStatus.IN_PROGRESS, Role.AGENT) == [
        CaseStatus.WAITING_ON_CUSTOMER,
        CaseStatus.RESOLVED,
    ]
    assert targets_from(CaseStatus.RESOLVED, Role.AGENT) == [CaseStatus.IN_PROGRESS]
    assert targets_from(CaseStatus.RESOLVED, Role.MANAGER) == [
        CaseStatus.IN_PROGRESS,
        CaseStatus.CLOSED,
    ]
    assert targets_from(CaseStatus.CLOSED, Role.AGENT) == []
    assert targets_from(CaseStatus.CLOSED, Party.CUSTOMER) == [CaseStatus.IN_PROGRESS]
    for status in CaseStatus:
        assert targets_from(status, Role.VIEWER) == []
        assert targets_from(status, Role.CX_OWNER) == []
    assert is_reopening(CaseStatus.CLOSED, CaseStatus.IN_PROGRESS)
    assert not is_reopening(CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.IN_PROGRESS)


class CaseLifeCycle(RuleBasedStateMachine):
    """Anyone tries anything; the case only ever moves along the allowed arrows."""

    def __init__(self) -> None:
        super().__init__()
        self.status = CaseStatus.NEW
        self.history: list[CaseStatus] = [CaseStatus.NEW]
        self.human_acted = False
        self.outcome_at_resolve: list[bool] = []

    @rule(actor=st.sampled_from(ACTORS))
    def human_action(self, actor: Actor) -> None:
        try:
            after = after_human_action(self.status, actor=actor)
        except TransitionNotAllowed:
            assert actor not in WORKERS
            return
        assert actor in WORKERS
        if self.status == CaseStatus.NEW:
            assert after == CaseStatus.IN_PROGRESS
        else:
            assert after == self.status
        self.human_acted = True
        self._arrive(after)

    @rule(
        to=st.sampled_from(list(CaseStatus)),
        actor=st.sampled_from(ACTORS),
        outcome=st.booleans(),
    )
    def move(self, to: CaseStatus, actor: Actor, outcome: bool) -> None:
        target = to
        before = self.status
        try:
            after = move_case(before, target, actor=actor, has_outcome=outcome)
        except OutcomeMissing:
            assert target == CaseStatus.RESOLVED
            assert not outcome
            assert target in targets_from(before, actor)
            return
        except IllegalTransition:
            assert target not in targets_from(before, actor)
            return
        assert after == target
        assert target in targets_from(before, actor)
        assert actor != Party.SYSTEM
        if target == CaseStatus.RESOLVED:
            self.outcome_at_resolve.append(outcome)
        if actor == Party.CUSTOMER:
            assert is_reopening(before, target)
        self._arrive(after)

    @precondition(lambda self: self.status in {CaseStatus.RESOLVED, CaseStatus.CLOSED})
    @rule()
    def customer_says_not_solved(self) -> None:
        self._arrive(move_case(self.status, CaseStatus.IN_PROGRESS, actor=Party.CUSTOMER))

    def _arrive(self, status: CaseStatus) -> None:
        if status != self.history[-1]:
            self.history.append(status)
        self.status = status

    @invariant()
    def new_is_left_only_after_a_human_action(self) -> None:
        if self.status != CaseStatus.NEW:
            assert self.human_acted
        assert CaseStatus.NEW not in self.history[1:]

    @invariant()
    def closed_always_follows_resolved(self) -> None:
        for before, after in zip(self.history, self.history[1:], strict=False):
            if after == CaseStatus.CLOSED:
                assert before == CaseStatus.RESOLVED
            if after == CaseStatus.RESOLVED:
                assert before in OPEN_STATUSES - {CaseStatus.NEW}

    @invariant()
    def every_resolution_had_an_outcome(self) -> None:
        assert all(self.outcome_at_resolve)


TestCaseLifeCycle = CaseLifeCycle.TestCase
