"""Rebuilding the rollups from the command line, and keeping them current from the job."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.jobs.registry import find_job
from surveyapp.jobs.scheduler import job_context
from surveyapp.models import DailyScoreRollup
from surveyapp.services.reporting import rollups
from tests.services.reporting.scene import make_scene


def _rolled_up(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(DailyScoreRollup.responses), 0))))


def test_rebuild_command_rebuilds_from_the_responses(app: Flask, session: Session) -> None:
    scene = make_scene(session)
    for day in range(1, 4):
        scene.answer(scene.support, 9, date(2026, 2, day))
    session.add(
        DailyScoreRollup(
            day=date(2026, 2, 1),
            touchpoint_id=None,
            survey_id=scene.nps_survey.id,
            channel="email",
            locale="en",
            rating_type="nps",
            score=0,
            responses=99,
        )
    )  # a stale row the rebuild must drop
    session.commit()

    result = app.test_cli_runner().invoke(args=["reports", "rebuild-rollups"])

    assert result.exit_code == 0, result.output
    assert "Rollups rebuilt for" in result.output
    assert _rolled_up(session) == 3


def test_refresh_job_adds_new_answers(app: Flask, session: Session, clock: FixedClock) -> None:
    scene = make_scene(session)
    rollups.rebuild_rollups(session, clock=clock)
    clock.advance(timedelta(minutes=5))
    answer = scene.answer(scene.support, 9, clock.now().date())
    answer.updated_at = clock.now()
    session.commit()
    spec = find_job("reports.refresh_rollups")
    assert spec is not None

    spec.func(app=app, **job_context("test"))

    assert _rolled_up(session) == 1
