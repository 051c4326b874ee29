"""Sending subscribed reports (service layer): once per subscription and period, PDF attached.

A long-running batch service (STYLE 14): it takes a session factory and commits per step.
For each subscription whose period is due, a worker first records ``(reports.subscription.<id>,
<period>)`` in ``periodic_runs`` and commits (``jobruns.claim_period``): however many workers
tick, one of them owns that period. Only then does it build the PDF and hand the mail over,
and finally record the outcome:

- sent: the period is marked sent on the subscription;
- refused for now (a temporary SMTP failure): the claim is given back, a later tick retries;
- refused for good, uncertain, or the report could not be built: the claim stays (at most
  once: no second copy, DESIGN.md §5) and the error is shown on the subscriptions page.

A worker that dies between its claim and the send leaves the period unsent.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from urllib.parse import urlencode

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.clock import Clock
from surveyapp.domain.dispatch import Outcome, SendResult
from surveyapp.domain.i18n import N_
from surveyapp.domain.report_periods import Cadence, ReportPeriod
from surveyapp.models import PeriodicRun, ReportSubscription, User
from surveyapp.services import jobruns
from surveyapp.services._db import session_scope
from surveyapp.services.dispatch.sending import DispatchSettings
from surveyapp.services.mail.attachments import Attachment, with_attachments
from surveyapp.services.mail.rendering import (
    alternative_message,
    catalogue_locale,
    render_mail,
    reusable_header,
    translate,
)
from surveyapp.services.mail.transport import Transport
from surveyapp.services.reporting import report_content, subscriptions
from surveyapp.services.reporting.filters import ReportFilters

log = logging.getLogger(__name__)

JOB_PREFIX = "reports.subscription."
SUBJECTS = {
    Cadence.WEEKLY: N_("Weekly feedback report: %(scope)s, %(period)s"),
    Cadence.MONTHLY: N_("Monthly feedback report: %(scope)s, %(period)s"),
}
NO_AUTO_RESPONSES = "OOF, AutoReply"
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True)
class ReportMailJob:
    """One claimed report: who gets it, about what, for which period (plain data)."""

    subscription_id: int
    recipient: str
    name: str
    locale: str
    timezone: str
    cadence: Cadence
    scope: subscriptions.Scope
    period: ReportPeriod

    @property
    def filters(self) -> ReportFilters:
        """The report's filters: the period's days and the subscribed team or touchpoint."""
        return ReportFilters(
            date_from=self.period.first_day,
            date_to=self.period.last_day,
            team_id=self.scope.team_id,
            touchpoint_id=self.scope.touchpoint_id,
        )


def send_due_reports(
    session_factory: sessionmaker[Session],
    transport: Transport,
    *,
    settings: DispatchSettings,
    clock: Clock,
) -> Counter[str]:
    """Send every subscribed report that is due now; counts per outcome.

    Uses the dispatch settings for the worker id, sender, base URL and Message-ID domain.
    See the module doc for the transactions and the once-per-period promise.
    """
    counts: Counter[str] = Counter()
    with session_scope(session_factory) as session:
        due = subscriptions.due_subscriptions(session, clock.now())
    for subscription_id, period in due:
        job = _claim(session_factory, subscription_id, period, settings=settings, clock=clock)
        if job is None:
            counts["skipped"] += 1
            continue
        result = _build_and_send(session_factory, job, transport, settings=settings, clock=clock)
        with session_scope(session_factory) as session:
            counts[_record(session, job, result, clock=clock)] += 1
    counts = +counts
    if counts:
        log.info("Report mail of %s: %s", settings.worker_id, dict(counts))
    return counts


def compose_report_mail(
    job: ReportMailJob, pdf: bytes, *, settings: DispatchSettings, clock: Clock
) -> EmailMessage:
    """The mail of ``job`` in the subscriber's language with ``pdf`` attached.

    The Message-ID is fixed per subscription and period. Raises ``ValueError`` for an address
    that cannot be written in a header.
    """
    locale = catalogue_locale(job.locale)
    period = report_content.period_label(job.period.first_day, job.period.last_day, locale)
    # Team and touchpoint names may hold line breaks: a header must stay one line.
    scope = " ".join(job.scope.name.split())
    subject = translate(SUBJECTS[job.cadence], locale=locale, scope=scope, period=period)
    base = settings.base_url.rstrip("/")
    query = urlencode(job.filters.query_args())
    context: dict[str, object] = {
        "locale": locale,
        "subject": subject,
        "name": " ".join(job.name.split()) or None,
        "scope": job.scope.name,
        "period": period,
        "dashboard_url": f"{base}/reports/?{query}",
        "subscriptions_url": f"{base}/reports/subscriptions",
    }
    text, html = render_mail("report", context, locale=locale)
    headers = {
        "Subject": subject,
        "From": reusable_header("From", settings.sender),
        "To": formataddr((" ".join(job.name.split()), job.recipient)),
        "Date": format_datetime(clock.now()),
        "Message-ID": f"<report.{job.subscription_id}.{job.period.name}@{settings.domain}>",
        "Content-Language": locale,
        "X-Auto-Response-Suppress": NO_AUTO_RESPONSES,
    }
    attachment = Attachment(_filename(job), "application/pdf", pdf)
    return with_attachments(alternative_message(headers, text, html), [attachment])


def _claim(
    session_factory: sessionmaker[Session],
    subscription_id: int,
    period: ReportPeriod,
    *,
    settings: DispatchSettings,
    clock: Clock,
) -> ReportMailJob | None:
    """Claim the period for this worker (committed at once), or ``None`` if not ours to send."""
    with session_scope(session_factory) as session:
        subscription = session.get(ReportSubscription, subscription_id)
        if subscription is None or not subscription.is_active:
            return None
        if subscription.last_sent_period == period.name:
            return None
        user = session.get(User, subscription.user_id)
        if user is None or not user.is_active:
            return None
        scope = subscriptions.scope_of(session, subscription)
        allowed = subscriptions.subscribable_scopes(session, user)
        if (scope.team_id, scope.touchpoint_id) not in {
            (entry.team_id, entry.touchpoint_id) for entry in allowed
        }:
            # The subscriber left the team (or lost the role): no more reports about it.
            return None
        job_id = f"{JOB_PREFIX}{subscription_id}"
        if not jobruns.claim_period(
            session, job_id, period.name, worker_id=settings.worker_id, clock=clock
        ):
            return None
        return ReportMailJob(
            subscription_id=subscription.id,
            recipient=user.email,
            name=user.name,
            locale=subscription.locale,
            timezone=subscription.timezone,
            cadence=subscription.cadence,
            scope=scope,
            period=period,
        )


def _build_and_send(
    session_factory: sessionmaker[Session],
    job: ReportMailJob,
    transport: Transport,
    *,
    settings: DispatchSettings,
    clock: Clock,
) -> SendResult:
    try:
        with session_factory() as session:
            content = report_content.build_report(
                session, job.filters, title=job.scope.name, timezone=job.timezone, clock=clock
            )
        pdf = report_content.render_report(content, locale=job.locale)
        message = compose_report_mail(job, pdf, settings=settings, clock=clock)
    except Exception as error:  # a bug in one report must not stop the others
        log.exception("Report of subscription %s could not be built", job.subscription_id)
        return SendResult(Outcome.PERMANENT, f"the report could not be built: {error}"[:480])
    return transport.send(message, sender=settings.sender, recipient=job.recipient)


def _record(session: Session, job: ReportMailJob, result: SendResult, *, clock: Clock) -> str:
    subscription = session.get(ReportSubscription, job.subscription_id)
    if result.outcome == Outcome.TEMPORARY:
        # Nothing was delivered: give the period back so that a later tick tries again.
        session.execute(
            delete(PeriodicRun).where(
                PeriodicRun.job == f"{JOB_PREFIX}{job.subscription_id}",
                PeriodicRun.period == job.period.name,
            )
        )
    if subscription is None:
        return "lost"
    if result.outcome == Outcome.SENT:
        subscription.last_sent_period = job.period.name
        subscription.last_sent_at = clock.now()
        subscription.last_error = None
        return "sent"
    subscription.last_error = result.detail[:500]
    return "retry" if result.outcome == Outcome.TEMPORARY else result.outcome.value


def _filename(job: ReportMailJob) -> str:
    scope = _UNSAFE_FILENAME.sub("-", job.scope.name).strip("-").lower() or "report"
    return f"feedback-report-{scope[:60]}-{job.period.name}.pdf"
