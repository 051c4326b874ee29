"""Loop metrics, root causes and the improvement log's before/after comparison."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from surveyapp.domain.case_states import CaseStatus
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.scoring import QuestionType
from surveyapp.models.case_recovery import CaseResurvey
from surveyapp.services.errors import ValidationFailed
from surveyapp.services.reporting import improvements, rollups
from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.services.reporting.improvements import ImprovementInput
from surveyapp.services.reporting.loop import loop_metrics, top_root_causes
from tests.factories import make_case, make_root_cause
from tests.services.reporting.scene import Scene, make_scene

FEBRUARY = ReportFilters(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
OPENED = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def scene(session: Session) -> Scene:
    return make_scene(session)


def _case(scene: Scene, *, acted_h: float | None, resolved_h: float | None, closed: bool = False):  # type: ignore[no-untyped-def]
    response = scene.answer(scene.support, 2, date(2026, 2, 10))
    case = make_case(scene.session, response, team=scene.team, at=OPENED)
    case.touchpoint_id = scene.support.id
    if acted_h is not None:
        case.first_action_at = OPENED + timedelta(hours=acted_h)
    if resolved_h is not None:
        case.resolved_at = OPENED + timedelta(hours=resolved_h)
        case.status = CaseStatus.CLOSED if closed else CaseStatus.RESOLVED
    scene.session.flush()
    return case


def test_loop_metrics_by_hand(scene: Scene, session: Session) -> None:
    _case(scene, acted_h=1, resolved_h=10)  # within the 72 h due time
    _case(scene, acted_h=3, resolved_h=100)  # late
    _case(scene, acted_h=5, resolved_h=None)
    _case(scene, acted_h=None, resolved_h=None)

    metrics = loop_metrics(session, FEBRUARY)

    assert metrics.cases_opened == 4
    assert metrics.first_action.median == pytest.approx(3 * 3600)
    assert metrics.first_action.p90 == pytest.approx(4.6 * 3600)  # 3 + 0.8 * (5 - 3)
    assert metrics.resolution.median == pytest.approx(55 * 3600)
    assert (metrics.within_sla.numerator, metrics.within_sla.denominator) == (1, 2)
    other_team = loop_metrics(session, ReportFilters(**{**FEBRUARY.__dict__, "team_id": 0}))
    assert other_team.cases_opened == 0


def test_recovery_rate_counts_answered_resurveys_of_closed_cases(
    scene: Scene, session: Session
) -> None:
    due = OPENED + timedelta(days=10)
    for recovered in (True, True, False, None):
        case = _case(scene, acted_h=1, resolved_h=5, closed=True)
        session.add(CaseResurvey(case_id=case.id, due_at=due, sent_at=due, recovered=recovered))
    session.flush()

    metrics = loop_metrics(session, FEBRUARY)

    assert (metrics.recovery.numerator, metrics.recovery.denominator) == (2, 3)


def test_top_root_causes_most_frequent_first(scene: Scene, session: Session) -> None:
    slow, wrong = make_root_cause(session, "Slow"), make_root_cause(session, "Wrong answer")
    for causes in ([slow], [slow, wrong], [slow]):
        _case(scene, acted_h=1, resolved_h=None).root_causes = causes
    session.flush()

    ranked = top_root_causes(session, FEBRUARY)

    assert [(cause.name, cause.cases) for cause in ranked] == [("Slow", 3), ("Wrong answer", 1)]


def test_improvement_before_and_after_with_the_z_test(
    scene: Scene, session: Session, clock: FixedClock
) -> None:
    for _ in range(30):
        scene.answer(scene.support, 3, date(2026, 1, 20))
        scene.answer(scene.support, 10, date(2026, 2, 5))
    scene.answer(scene.billing, 0, date(2026, 2, 5))  # another touchpoint: not counted
    rollups.rebuild_rollups(session, clock=clock)
    entry = improvements.record_improvement(
        session,
        ImprovementInput(
            date(2026, 2, 1), "Callback within an hour", touchpoint_id=scene.support.id
        ),
        actor=None,
        clock=clock,
    )

    effect = improvements.improvement_effect(session, entry, today=date(2026, 2, 10))

    (nps,) = effect.effects
    assert nps.rating_type == QuestionType.NPS
    assert (nps.before.value, nps.after.value) == (-100, 100)
    assert (nps.before.n, nps.after.n) == (30, 30)
    assert nps.change.significant
    assert not effect.is_after_complete
    assert effect.after_to == date(2026, 2, 10)


def test_improvement_input_is_checked(scene: Scene, session: Session, clock: FixedClock) -> None:
    with pytest.raises(ValidationFailed) as raised:
        improvements.record_improvement(
            session,
            ImprovementInput(date(2026, 3, 3), "  ", touchpoint_id=999_999),
            actor=None,
            clock=clock,
        )
    assert set(raised.value.field_errors) == {"title", "changed_on", "touchpoint_id"}
