"""Every scheduled job, with its stable id and trigger."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from surveyapp.jobs import cases as case_jobs
from surveyapp.jobs import dispatch as dispatch_jobs
from surveyapp.jobs import reporting as reporting_jobs
from surveyapp.jobs import reports as report_jobs
from surveyapp.jobs import retention as retention_jobs
from surveyapp.jobs import system as system_jobs
from surveyapp.services.system import HEARTBEAT_INTERVAL


@dataclass(frozen=True)
class JobSpec:
    """A job: ``func(app, **context)`` run on ``trigger``; ``id`` never changes once shipped."""

    id: str
    func: Callable[..., Any]
    trigger: BaseTrigger
    description: str


def job_specs(dispatch_interval_seconds: int = 5) -> list[JobSpec]:
    """The jobs every scheduler process runs."""
    return [
        JobSpec(
            id="dispatch.send",
            func=dispatch_jobs.send_due,
            trigger=IntervalTrigger(seconds=dispatch_interval_seconds),
            description="Send due invitations and reminders; expire old ones.",
        ),
        JobSpec(
            id="cases.send_mail",
            func=case_jobs.send_mail,
            trigger=IntervalTrigger(seconds=dispatch_interval_seconds),
            description="Send close-the-loop messages and case notices to staff.",
        ),
        JobSpec(
            id="cases.escalate",
            func=case_jobs.escalate,
            trigger=IntervalTrigger(minutes=1),
            description="Remind owners of overdue cases; tell the team's managers.",
        ),
        JobSpec(
            id="cases.plan_resurveys",
            func=case_jobs.plan_resurveys,
            trigger=IntervalTrigger(minutes=5),
            description="Plan re-survey invitations of resolved cases that are due.",
        ),
        JobSpec(
            id="cases.send_kudos",
            func=case_jobs.send_kudos,
            trigger=IntervalTrigger(minutes=1),
            description="Mail customers' praise to the agents it names and their managers.",
        ),
        JobSpec(
            id="cases.send_digests",
            func=case_jobs.send_digests,
            trigger=IntervalTrigger(minutes=5),
            description="Send each staff member's daily digest of their cases.",
        ),
        JobSpec(
            id="reports.refresh_rollups",
            func=reporting_jobs.refresh_rollups,
            trigger=IntervalTrigger(seconds=60),
            description="Bring the dashboard's daily rollups up to date with new answers.",
        ),
        JobSpec(
            id="reports.send_subscriptions",
            func=report_jobs.send_subscriptions,
            trigger=IntervalTrigger(minutes=5),
            description="Mail the subscribed weekly and monthly PDF reports that are due.",
        ),
        JobSpec(
            id="privacy.retention",
            func=retention_jobs.apply_retention,
            trigger=IntervalTrigger(minutes=15),
            description="Once a day: remove the data whose retention period has passed.",
        ),
        JobSpec(
            id="system.heartbeat",
            func=system_jobs.heartbeat,
            trigger=IntervalTrigger(seconds=int(HEARTBEAT_INTERVAL.total_seconds())),
            description="Record that the scheduler is alive.",
        ),
    ]


def find_job(job_id: str) -> JobSpec | None:
    """The job with ``job_id``, or ``None``."""
    return next((spec for spec in job_specs() if spec.id == job_id), None)
