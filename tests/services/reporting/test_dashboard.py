"""Dashboard figures from the rollups: KPIs, change, trends, distribution, response rate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.scoring import QuestionType
from surveyapp.domain.states import InvitationState
from surveyapp.models import Channel
from surveyapp.services.reporting import rollups
from surveyapp.services.reporting.dashboard import dashboard_summary, weekly_by_touchpoint
from surveyapp.services.reporting.filters import ReportFilters
from tests.factories import make_response
from tests.services.reporting.scene import Scene, make_scene

FEBRUARY = ReportFilters(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))


@pytest.fixture
def scene(session: Session) -> Scene:
    return make_scene(session)


def _kpi(summary, rating: QuestionType):  # type: ignore[no-untyped-def]
    return next(kpi for kpi in summary.kpis if kpi.rating_type == rating)


def test_nps_per_touchpoint_and_team_from_rollups(
    scene: Scene, session: Session, clock: FixedClock
) -> None:
    for score in (10, 10, 9, 3):
        scene.answer(scene.support, score, date(2026, 2, 3))
    for score in (0, 1, 8):
        scene.answer(scene.billing, score, date(2026, 2, 4))
    rollups.rebuild_rollups(session, clock=clock)

    everything = dashboard_summary(session, FEBRUARY, clock=clock)
    support = dashboard_summary(
        session,
        ReportFilters(**{**FEBRUARY.__dict__, "touchpoint_id": scene.support.id}),
        clock=clock,
    )
    team = dashboard_summary(
        session, ReportFilters(**{**FEBRUARY.__dict__, "team_id": scene.team.id}), clock=clock
    )

    # all: P=3, D=3 of 7 -> 0; support: P=3, D=1 of 4 -> 50
    assert _kpi(everything, QuestionType.NPS).current.value == pytest.approx(0)
    assert _kpi(everything, QuestionType.NPS).current.n == 7
    assert _kpi(support, QuestionType.NPS).current.value == pytest.approx(50)
    assert _kpi(team, QuestionType.NPS).current.value == pytest.approx(50)
    assert _kpi(support, QuestionType.NPS).current.small
    assert everything.source == "rollups"


def test_change_against_the_previous_period_is_tested(
    scene: Scene, session: Session, clock: FixedClock
) -> None:
    for _ in range(40):
        scene.answer(scene.support, 10, date(2026, 2, 10))
    for _ in range(20):
        scene.answer(scene.support, 10, date(2026, 1, 10))
        scene.answer(scene.support, 0, date(2026, 1, 11))
    rollups.rebuild_rollups(session, clock=clock)

    summary = dashboard_summary(session, FEBRUARY, clock=clock)

    kpi = _kpi(summary, QuestionType.NPS)
    assert summary.previous.date_from == date(2026, 1, 4)  # 28 days before February
    assert kpi.previous.value == pytest.approx(0)
    assert kpi.current.value == pytest.approx(100)
    assert kpi.change.delta == pytest.approx(100)
    assert kpi.change.significant


def test_weekly_trend_distribution_and_csat(
    scene: Scene, session: Session, clock: FixedClock
) -> None:
    scene.answer(scene.support, 9, date(2026, 2, 2))  # Monday of week 6
    scene.answer(scene.support, 6, date(2026, 2, 8))  # Sunday, same week
    scene.answer(scene.support, 10, date(2026, 2, 9))
    scene.answer(scene.billing, 5, date(2026, 2, 9), version=scene.csat_version)
    scene.answer(scene.billing, 2, date(2026, 2, 9), version=scene.csat_version)
    rollups.rebuild_rollups(session, clock=clock)

    summary = dashboard_summary(session, FEBRUARY, clock=clock)

    nps_trend = next(t for t in summary.trends if t.rating_type == QuestionType.NPS)
    weeks = {point.week_start: point.result for point in nps_trend.points}
    assert min(weeks) == date(2026, 1, 26)  # the week of 1 February
    assert weeks[date(2026, 2, 2)].value == pytest.approx(0)
    assert weeks[date(2026, 2, 9)].value == pytest.approx(100)
    assert weeks[date(2026, 2, 16)].n == 0
    distribution = next(d for d in summary.distributions if d.rating_type == QuestionType.NPS)
    assert dict(distribution.counts) == {s: {6: 1, 9: 1, 10: 1}.get(s, 0) for s in range(11)}
    csat = _kpi(summary, QuestionType.CSAT).current
    assert (csat.value, csat.mean) == (pytest.approx(50), pytest.approx(3.5))


def test_response_rate_counts_delivered_invitations_only(
    scene: Scene, session: Session, clock: FixedClock
) -> None:
    scene.answer(scene.support, 9, date(2026, 2, 3))
    scene.deliver(scene.support, date(2026, 2, 3))
    scene.deliver(scene.support, date(2026, 2, 3), state=InvitationState.EXPIRED)
    scene.deliver(scene.support, date(2026, 2, 3), state=InvitationState.FAILED)
    scene.deliver(scene.support, date(2026, 2, 3), state=InvitationState.QUEUED)
    scene.answer(None, 9, date(2026, 2, 3), channel=Channel.LINK)  # an anonymous link answer
    rollups.rebuild_rollups(session, clock=clock)

    summary = dashboard_summary(session, FEBRUARY, clock=clock)

    assert (summary.response_rate.numerator, summary.response_rate.denominator) == (1, 3)


def test_response_rate_follows_the_invitations_sent_in_the_period(
    scene: Scene, session: Session, clock: FixedClock
) -> None:
    sent_in_january = scene.deliver(scene.support, date(2026, 1, 30))
    late = make_response(
        session,
        scene.nps_version,
        score=9,
        started_at=datetime(2026, 2, 2, 12, tzinfo=UTC),  # answered in February
    )
    late.invitation_id = sent_in_january.id
    sent_in_february = scene.deliver(scene.support, date(2026, 2, 10))
    rollups.refresh_rollups(session, clock=clock)  # first run: a full build
    before = dashboard_summary(session, FEBRUARY, clock=clock).response_rate
    clock.advance(timedelta(minutes=10))
    answer = make_response(
        session, scene.nps_version, score=3, started_at=datetime(2026, 2, 25, 8, tzinfo=UTC)
    )
    answer.invitation_id, answer.updated_at = sent_in_february.id, clock.now()
    session.flush()

    tally = rollups.refresh_rollups(session, clock=clock)
    after = dashboard_summary(session, FEBRUARY, clock=clock).response_rate

    # The January invitation's late answer counts for January, never as February's 101 %.
    assert (before.numerator, before.denominator) == (0, 1)
    assert tally.delivery_days >= 1  # the send day of the answered invitation was re-counted
    assert (after.numerator, after.denominator) == (1, 1)
    assert after.value == pytest.approx(100)


def test_refresh_picks_up_new_and_changed_answers_only_for_touched_days(
    scene: Scene, session: Session, clock: FixedClock
) -> None:
    old = scene.answer(scene.support, 9, date(2026, 2, 3))
    rollups.refresh_rollups(session, clock=clock)  # first run: a full build
    clock.advance(timedelta(minutes=10))
    new = scene.answer(scene.support, 0, date(2026, 2, 20), hour=8)
    new.updated_at = clock.now()  # answered late on a long-open page
    old.score, old.nps_category, old.updated_at = 0, "detractor", clock.now()  # type: ignore[assignment]
    session.flush()

    stale = dashboard_summary(session, FEBRUARY, clock=clock)
    tally = rollups.refresh_rollups(session, clock=clock)
    fresh = dashboard_summary(session, FEBRUARY, clock=clock)

    assert _kpi(stale, QuestionType.NPS).current.n == 1
    assert tally.score_days == 2
    assert _kpi(fresh, QuestionType.NPS).current.n == 2
    assert _kpi(fresh, QuestionType.NPS).current.value == pytest.approx(-100)
    assert fresh.freshness.refreshed_at == clock.now()


def test_contact_attribute_filter_reads_the_responses(
    scene: Scene, session: Session, clock: FixedClock
) -> None:
    scene.answer(scene.support, 10, date(2026, 2, 3), attributes={"plan": "pro"})
    scene.answer(scene.support, 0, date(2026, 2, 3), attributes={"plan": "free"})
    rollups.rebuild_rollups(session, clock=clock)
    pro = ReportFilters(**{**FEBRUARY.__dict__, "attribute": "plan", "attribute_value": "pro"})

    summary = dashboard_summary(session, pro, clock=clock)

    assert summary.source == "responses"
    assert _kpi(summary, QuestionType.NPS).current.value == pytest.approx(100)
    assert _kpi(summary, QuestionType.NPS).current.n == 1
    assert summary.response_rate.denominator == 1


def test_filters_by_channel_and_locale(scene: Scene, session: Session, clock: FixedClock) -> None:
    scene.answer(scene.support, 10, date(2026, 2, 3), locale="de")
    scene.answer(scene.support, 0, date(2026, 2, 3), channel=Channel.WEB)
    rollups.rebuild_rollups(session, clock=clock)

    german = dashboard_summary(
        session, ReportFilters(**{**FEBRUARY.__dict__, "locale": "de"}), clock=clock
    )
    web = dashboard_summary(
        session, ReportFilters(**{**FEBRUARY.__dict__, "channel": Channel.WEB}), clock=clock
    )

    assert _kpi(german, QuestionType.NPS).current.value == pytest.approx(100)
    assert _kpi(web, QuestionType.NPS).current.value == pytest.approx(-100)


def test_weekly_nps_per_touchpoint_table(scene: Scene, session: Session, clock: FixedClock) -> None:
    scene.answer(scene.support, 10, date(2026, 2, 3))
    scene.answer(scene.support, 0, date(2026, 2, 10))
    scene.answer(scene.billing, 9, date(2026, 2, 10))
    scene.answer(scene.billing, 1, date(2026, 2, 11))
    scene.answer(scene.billing, 5, date(2026, 2, 11), version=scene.csat_version)  # not NPS
    rollups.rebuild_rollups(session, clock=clock)

    table = weekly_by_touchpoint(session, FEBRUARY)

    cells = {(row.touchpoint_id, row.week_start): row.result.value for row in table}
    assert cells == {
        (scene.support.id, date(2026, 2, 2)): 100,
        (scene.support.id, date(2026, 2, 9)): -100,
        (scene.billing.id, date(2026, 2, 9)): 0,
    }
    scene.answer(scene.support, 10, date(2026, 2, 12), attributes={"plan": "pro"})
    pro = ReportFilters(**{**FEBRUARY.__dict__, "attribute": "plan", "attribute_value": "pro"})
    (only,) = weekly_by_touchpoint(session, pro)  # read from the responses
    assert (only.touchpoint_id, only.week_start, only.result.n) == (
        scene.support.id,
        date(2026, 2, 9),
        1,
    )
