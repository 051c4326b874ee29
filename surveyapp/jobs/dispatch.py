"""The dispatch job: every few seconds, send what is due (DESIGN.md §5)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from flask import Flask

from config import Config
from surveyapp.runtime import get_runtime
from surveyapp.services.dispatch import sending
from surveyapp.services.mail.outbox import open_transport

log = logging.getLogger(__name__)
T = TypeVar("T")

# Set on SIGTERM: the message in flight finishes, unstarted claims are given back.
_stop_requested = threading.Event()


def request_stop() -> None:
    """Ask running dispatch rounds to stop after the message in flight."""
    _stop_requested.set()


def settings_for(config: Config, worker_id: str) -> sending.DispatchSettings:
    """The dispatch settings of this installation for one worker."""
    assert config.secret_key  # noqa: S101 -- Config.resolved/validate guarantee it
    return sending.DispatchSettings(
        worker_id=worker_id,
        base_url=(config.base_url or f"http://{config.host}:{config.port}").rstrip("/"),
        sender=config.sender_address,
        domain=config.mail_domain,
        secret=config.secret_key,
        default_locale=config.default_locale,
        batch_size=config.dispatch_batch_size,
        lease=timedelta(seconds=config.dispatch_lease_seconds),
        max_attempts=config.dispatch_max_attempts,
    )


def with_transport(app: Flask, worker_id: str, sender: Callable[..., T]) -> T:
    """Run a mail-sending service with this installation's transport, closed afterwards."""
    runtime = get_runtime(app)
    transport = open_transport(
        runtime.config.smtp_url, session_factory=runtime.session_factory, clock=runtime.clock
    )
    try:
        return sender(
            runtime.session_factory,
            transport,
            settings=settings_for(runtime.config, worker_id),
            clock=runtime.clock,
        )
    finally:
        transport.close()


def send_due(app: Flask, *, worker_id: str, mode: str, started_at: datetime) -> None:
    """Sweep expired leases, run the periodic work, send the due invitations and reminders."""
    runtime = get_runtime(app)
    settings = settings_for(runtime.config, worker_id)
    with app.app_context():
        tally = sending.run_round(
            runtime.session_factory,
            lambda: open_transport(
                runtime.config.smtp_url,
                session_factory=runtime.session_factory,
                clock=runtime.clock,
            ),
            settings=settings,
            clock=runtime.clock,
            should_stop=_stop_requested.is_set,
        )
    if tally.claimed or tally.counts:
        log.info("Dispatch round of %s (%s): %s", worker_id, mode, tally.counts)
