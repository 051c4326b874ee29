"""Sending due invitations and reminders: claim, check again, compose, send, record.

``send_due`` is a long-running batch service (STYLE 14): it takes a session factory and commits
per step: the claim, the send-time verdicts, then the outcomes every ``record_every`` messages.
Nothing is sent between a claim and its commit, and an outcome not yet recorded when the
worker dies stays ``sending`` until its lease runs out and it becomes ``uncertain``: a message
is never sent twice, at the price that a crash can leave a few sends unconfirmed.
Composing needs an app context (templates); the dispatch job provides it.
"""

from __future__ import annotations

import contextvars
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, joinedload, sessionmaker

from surveyapp.domain.clock import Clock
from surveyapp.domain.dispatch import MailKind, invitation_token
from surveyapp.domain.survey_definition import SurveyDefinition, from_document
from surveyapp.models import Interaction, Invitation
from surveyapp.services import preferences
from surveyapp.services._db import scope_with_retry, session_scope
from surveyapp.services.dispatch import checks, claims, messages, outcomes, reminders
from surveyapp.services.dispatch.claims import Claim
from surveyapp.services.mail.transport import Transport

log = logging.getLogger(__name__)

# Stop taking new messages this long before the lease runs out, and give the rest back.
LEASE_MARGIN = timedelta(seconds=15)
# How long a worker keeps trying to record what it sent while the database is unavailable.
DATABASE_RETRY_S = 120.0


@dataclass(frozen=True)
class DispatchSettings:
    """Who sends, how much at once, and what every message needs to know."""

    worker_id: str
    base_url: str
    sender: str
    domain: str
    secret: str
    default_locale: str = "en"
    batch_size: int = 100
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 6
    record_every: int = 50


@dataclass
class Tally:
    """What one run did, for logs, the CLI and tests."""

    claimed: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, amount: int = 1) -> None:
        """Count ``amount`` more of ``key`` (an outcome, suppressed, deferred, released)."""
        if amount:
            self.counts[key] = self.counts.get(key, 0) + amount

    def __getitem__(self, key: str) -> int:
        return self.counts.get(key, 0)


@dataclass(frozen=True)
class _Prepared:
    claim: Claim
    mail: messages.InvitationMail
    reminder_after: timedelta | None


def send_due(
    session_factory: sessionmaker[Session],
    transport: Transport,
    *,
    settings: DispatchSettings,
    clock: Clock,
    should_stop: Callable[[], bool] = lambda: False,
) -> Tally:
    """Claim one batch of due messages and send it through ``transport``; see the module doc."""
    tally = Tally()
    with session_scope(session_factory) as session:
        claimed = claims.claim_due(
            session,
            worker_id=settings.worker_id,
            limit=settings.batch_size,
            lease=settings.lease,
            now=clock.now(),
            secret=settings.secret,
        )
    tally.claimed = len(claimed)
    if not claimed:
        return tally
    batch = _Sending(session_factory, settings, clock, tally)
    try:
        prepared, verdicts = scope_with_retry(
            session_factory,
            lambda session: _prepare(session, claimed, settings=settings, clock=clock),
            budget_s=DATABASE_RETRY_S,
        )
    except Exception:
        batch.release(claimed)  # nothing of this batch went out: the claims go back
        raise
    for key, amount in verdicts.items():
        tally.add(key, amount)
    batch.send_all(transport, prepared, should_stop)
    log.info("Dispatch %s: %s", settings.worker_id, tally.counts)
    return tally


def run_round(
    session_factory: sessionmaker[Session],
    open_transport: Callable[[], Transport],
    *,
    settings: DispatchSettings,
    clock: Clock,
    should_stop: Callable[[], bool] = lambda: False,
) -> Tally:
    """One tick of a worker: sweep ran-out leases, run the periodic work, send until done.

    Batches follow each other over one transport connection until fewer than a batch are due
    or ``should_stop`` says so (SIGTERM).
    """
    total = Tally()
    with session_scope(session_factory) as session:
        total.add("uncertain", claims.expire_leases(session, now=clock.now()))
        for job, amount in reminders.run_due_periodic(
            session, worker_id=settings.worker_id, clock=clock
        ).items():
            total.add(job, amount)
    transport = open_transport()
    try:
        while not should_stop():
            tally = send_due(
                session_factory, transport, settings=settings, clock=clock, should_stop=should_stop
            )
            total.claimed += tally.claimed
            for key, amount in tally.counts.items():
                total.add(key, amount)
            if tally.claimed < settings.batch_size:
                break
    finally:
        transport.close()
    return total


@dataclass
class _Sending:
    """One claimed batch on its way out: what was sent and is not yet recorded."""

    session_factory: sessionmaker[Session]
    settings: DispatchSettings
    clock: Clock
    tally: Tally
    done: list[outcomes.Delivery] = field(default_factory=list)

    def send_all(
        self,
        transport: Transport,
        prepared: Sequence[_Prepared],
        should_stop: Callable[[], bool],
    ) -> None:
        """Send one by one; stop early (and give the rest back) on request or near lease end.

        The next message is composed on a helper thread while the server handles the current
        one: the socket wait releases the GIL, so rendering overlaps the round trips.
        """
        if not prepared:
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="compose") as composer:
            upcoming = self._compose_ahead(composer, prepared[0])
            for position, item in enumerate(prepared):
                if should_stop() or self.clock.now() >= item.claim.lease_expires_at - LEASE_MARGIN:
                    upcoming.cancel()
                    self.flush()
                    self.release([p.claim for p in prepared[position:]])
                    return
                message = upcoming.result()
                if position + 1 < len(prepared):
                    upcoming = self._compose_ahead(composer, prepared[position + 1])
                result = transport.send(
                    message, sender=self.settings.sender, recipient=item.mail.recipient
                )
                self.done.append(
                    outcomes.Delivery(item.claim, item.mail.recipient, result, item.reminder_after)
                )
                if len(self.done) >= self.settings.record_every:
                    self.flush()
        self.flush()

    def _compose_ahead(self, composer: Executor, item: _Prepared) -> Future[EmailMessage]:
        # The copied context carries the app context (templates, translations) to the thread.
        return composer.submit(
            contextvars.copy_context().run,
            messages.compose,
            item.mail,
            base_url=self.settings.base_url,
            sender=self.settings.sender,
            domain=self.settings.domain,
            now=self.clock.now(),
        )

    def flush(self) -> None:
        """Record the outcomes sent so far, in one transaction."""
        if not self.done:
            return
        # These messages are gone: their outcome must be recorded even when the database is
        # away for a moment (a restart), or they would end up uncertain.
        now = self.clock.now()
        recorded = scope_with_retry(
            self.session_factory,
            lambda session: outcomes.record(
                session,
                self.done,
                worker_id=self.settings.worker_id,
                max_attempts=self.settings.max_attempts,
                now=now,
            ),
            budget_s=DATABASE_RETRY_S,
        )
        for key, amount in recorded.items():
            self.tally.add(key, amount)
        self.done.clear()

    def release(self, rest: Sequence[Claim]) -> None:
        """Give back claims never started."""
        now = self.clock.now()
        released = scope_with_retry(
            self.session_factory,
            lambda session: claims.release(
                session, rest, worker_id=self.settings.worker_id, now=now
            ),
            budget_s=DATABASE_RETRY_S,
        )
        self.tally.add("released", released)


def _prepare(
    session: Session,
    claimed: Sequence[Claim],
    *,
    settings: DispatchSettings,
    clock: Clock,
) -> tuple[list[_Prepared], Counter[str]]:
    """Load the claimed invitations, run the send-time checks, record what may not go.

    Returns what may be sent and the tally of the stopped ones (suppressed, deferred).
    """
    loaded = _load(session, [claim.invitation_id for claim in claimed])
    facts = checks.SendFacts(session, list(loaded.values()))
    now = clock.now()
    definitions: dict[int, SurveyDefinition] = {}
    ready: list[_Prepared] = []
    stopped: list[tuple[Claim, checks.Verdict]] = []
    for claim in claimed:
        invitation = loaded[claim.invitation_id]
        check = (
            checks.check_reminder if claim.kind == MailKind.REMINDER else checks.check_invitation
        )
        verdict = check(invitation, facts, now)
        if not verdict.may_send:
            stopped.append((claim, verdict))
            continue
        definition = definitions.get(invitation.survey_version_id)
        if definition is None:
            definition = from_document(invitation.survey_version.definition)
            definitions[invitation.survey_version_id] = definition
        mail = _mail(invitation, claim, definition, settings)
        ready.append(_Prepared(claim, mail, _reminder_after(invitation, claim)))
    return ready, outcomes.record_verdicts(session, stopped, worker_id=settings.worker_id, now=now)


def _reminder_after(invitation: Invitation, claim: Claim) -> timedelta | None:
    rule = invitation.trigger_rule
    if claim.kind == MailKind.REMINDER or rule is None or not rule.reminder_days:
        return None
    return timedelta(days=rule.reminder_days)


def _load(session: Session, ids: Sequence[int]) -> dict[int, Invitation]:
    rows = session.scalars(
        select(Invitation)
        .where(Invitation.id.in_(ids))
        .options(
            # The planning record is not needed to send (and is the largest JSON of the row).
            defer(Invitation.checks),
            defer(Invitation.suppression_reasons),
            joinedload(Invitation.contact),
            joinedload(Invitation.trigger_rule),
            joinedload(Invitation.interaction).joinedload(Interaction.touchpoint),
            joinedload(Invitation.survey_version),
        )
    ).unique()
    return {invitation.id: invitation for invitation in rows}


def _mail(
    invitation: Invitation,
    claim: Claim,
    definition: SurveyDefinition,
    settings: DispatchSettings,
) -> messages.InvitationMail:
    contact = invitation.contact
    assert contact is not None  # noqa: S101 -- the checks refused otherwise
    assert contact.email  # noqa: S101
    interaction = invitation.interaction
    return messages.InvitationMail(
        invitation_id=invitation.id,
        kind=claim.kind,
        attempt=claim.attempt,
        recipient=contact.email,
        name=contact.name,
        locale=invitation.locale or contact.locale or settings.default_locale,
        token=invitation_token(settings.secret, invitation.id),
        preference_token=preferences.preference_token(contact, secret=settings.secret),
        definition=definition,
        touchpoint_name=interaction.touchpoint.name if interaction else "",
        reference=messages.find_reference(interaction.attributes if interaction else {}),
    )
