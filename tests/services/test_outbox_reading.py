"""The built-in outbox read back: newest first, and each message taken apart as sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.services.errors import NotFound
from surveyapp.services.mail import outbox_reading
from tests.factories import make_outbox_message


def test_messages_are_listed_newest_first_a_page_at_a_time(
    session: Session, clock: FixedClock
) -> None:
    kept = []
    for number in range(3):
        kept.append(make_outbox_message(session, clock, subject=f"Message {number}"))
        clock.advance(timedelta(minutes=1))
    first = outbox_reading.list_messages(session, page=1, per_page=2)
    second = outbox_reading.list_messages(session, page=2, per_page=2)
    assert [e.subject for e in first.entries] == ["Message 2", "Message 1"]
    assert [e.id for e in second.entries] == [kept[0].id]
    assert (first.total, first.has_next, second.has_next, second.has_previous) == (
        3,
        True,
        False,
        True,
    )


def test_a_message_is_taken_apart_into_headers_text_and_html(
    session: Session, clock: FixedClock
) -> None:
    stored = make_outbox_message(session, clock)
    read = outbox_reading.read_message(session, stored.id)
    headers = dict(read.headers)
    assert "=?utf-8?" in stored.raw  # the stored header is RFC 2047 encoded...
    assert (
        headers["Subject"] == "Wie zufrieden waren Sie mit der Bäckerei Müller?"
    )  # ...read decoded
    assert headers["To"] == "ada@example.com"
    assert headers["Message-ID"] == "<invitation-1.invitation@localhost>"
    assert read.text is not None
    assert "http://localhost/s/abc?score=9" in read.text
    assert read.html is not None
    assert "Hallo <b>Ada</b>" in read.html
    assert read.attachments == []


def test_a_text_only_message_has_no_html_and_unknown_ids_are_not_found(
    session: Session, clock: FixedClock
) -> None:
    stored = make_outbox_message(session, clock, html=None)
    read = outbox_reading.read_message(session, stored.id)
    assert read.html is None
    assert read.text is not None
    assert read.text.startswith("Hallo Ada,")
    with pytest.raises(NotFound):
        outbox_reading.read_message(session, stored.id + 1000)
