"""The SMTP server unreachable for twenty minutes, then back: backoff, then every mail once.

Time is the injected clock: the worker's rounds are driven every 30 seconds of clock time
across the outage, so the test sees exactly when each invitation was tried again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.dispatch import EventKind, backoff
from surveyapp.domain.states import InvitationState
from surveyapp.models import Invitation, InvitationEvent
from surveyapp.services.dispatch import sending
from surveyapp.services.mail.transport import SmtpTransport
from tests.factories import seed_due_invitations
from tests.reliability.workers import message_ids
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.slow

INVITATIONS = 30
OUTAGE = timedelta(minutes=20)
TICK = timedelta(seconds=30)
RUN_FOR = timedelta(minutes=45)
SETTINGS = sending.DispatchSettings(
    worker_id="outage-worker",
    base_url="http://localhost",
    sender="surveys@localhost",
    domain="localhost",
    secret="test-secret-key-that-is-long-enough-for-tests",
    batch_size=10,  # several batches per round, so retries of one batch meet the others
)


def _attempt_times(session: Session) -> dict[int, list[tuple[datetime, str]]]:
    """Per invitation, when it was tried and what came of it, in order."""
    rows = session.execute(
        select(InvitationEvent.invitation_id, InvitationEvent.occurred_at, InvitationEvent.kind)
        .where(InvitationEvent.kind.in_([EventKind.RETRY, EventKind.SENT]))
        .order_by(InvitationEvent.id)
    )
    tried: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for invitation_id, occurred_at, kind in rows:
        tried[invitation_id].append((occurred_at, str(kind)))
    return tried


def test_mail_waits_out_an_smtp_outage_with_backoff_and_arrives_once(
    app: Flask,
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    smtp_sink: SmtpSink,
) -> None:
    seed_due_invitations(session, INVITATIONS, now=clock.now())
    session.commit()
    smtp_sink.stop()
    outage_ends = clock.now() + OUTAGE
    finish = clock.now() + RUN_FOR

    back = False
    with app.app_context():
        while clock.now() < finish:
            if not back and clock.now() >= outage_ends:
                smtp_sink.start()
                back = True
            sending.run_round(
                session_factory,
                lambda: SmtpTransport(smtp_sink.url, timeout=5),
                settings=SETTINGS,
                clock=clock,
            )
            clock.advance(TICK)

    session.expire_all()
    ids = message_ids(smtp_sink)
    assert len(ids) == INVITATIONS
    assert max(ids.values()) == 1
    assert set(session.scalars(select(Invitation.state))) == {InvitationState.SENT}
    tried = _attempt_times(session)
    assert len(tried) == INVITATIONS
    for invitation_id, attempts in tried.items():
        kinds = [kind for _, kind in attempts]
        assert kinds == [EventKind.RETRY] * 5 + [EventKind.SENT], invitation_id
        gaps = [later - earlier for (earlier, _), (later, _) in pairwise(attempts)]
        # Each wait is the backoff of the attempt before it (1, 2, 4, 8, 16 minutes): on a
        # 30-second tick, never early and never a tick late.
        assert gaps == [backoff(attempt) for attempt in range(1, 6)], invitation_id
        assert attempts[-1][0] >= outage_ends
