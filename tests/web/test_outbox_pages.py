"""The built-in outbox viewer: the list, one message, and its HTML part locked in a frame."""

from __future__ import annotations

import html
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from tests.conftest import AuthActions
from tests.factories import make_outbox_message

SCRIPTED = (
    "<p>Hallo</p><script>document.title='pwned'</script><img src='https://tracker.example/p.gif'>"
)


def test_the_list_shows_newest_first_and_opens_a_message(
    client: FlaskClient, session: Session, clock: FixedClock, auth: AuthActions
) -> None:
    make_outbox_message(session, clock, subject="Older one", recipient="old@example.com")
    clock.advance(timedelta(minutes=1))
    newer = make_outbox_message(session, clock, subject="Newer one", recipient="new@example.com")
    session.commit()
    auth.login_as(Role.CX_OWNER)
    page = client.get("/outbox/").get_data(as_text=True)
    assert page.index("Newer one") < page.index("Older one")
    assert "new@example.com" in page
    assert f'href="/outbox/{newer.id}"' in page
    assert "No mail server is configured" in page


def test_a_message_shows_headers_text_and_a_sandboxed_html_frame(
    client: FlaskClient, session: Session, clock: FixedClock, auth: AuthActions
) -> None:
    stored = make_outbox_message(session, clock, html=SCRIPTED)
    session.commit()
    auth.login_as(Role.ADMIN)
    answer = client.get(f"/outbox/{stored.id}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Wie zufrieden waren Sie mit der Bäckerei Müller?" in page
    assert "&lt;invitation-1.invitation@localhost&gt;" in page
    assert "http://localhost/s/abc?score=9" in page
    assert f'<iframe class="outbox-html" sandbox src="/outbox/{stored.id}/html"' in page
    assert "<script>document.title" not in page  # the HTML part never lands on the staff page
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]

    frame = client.get(f"/outbox/{stored.id}/html")
    assert frame.status_code == 200
    assert frame.mimetype == "text/html"
    assert frame.get_data(as_text=True).strip() == SCRIPTED  # as sent, but it cannot run:
    csp = frame.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "sandbox" in csp.split("; ")
    assert "frame-ancestors 'self'" in csp
    assert "script-src" not in csp  # falls back to default-src 'none'
    assert frame.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_a_text_only_message_has_no_frame_and_unknown_messages_are_not_found(
    client: FlaskClient, session: Session, clock: FixedClock, auth: AuthActions
) -> None:
    stored = make_outbox_message(session, clock, html=None)
    session.commit()
    auth.login_as(Role.ADMIN)
    page = client.get(f"/outbox/{stored.id}").get_data(as_text=True)
    assert "<iframe" not in page
    assert html.escape("Hallo Ada,") in page
    assert client.get(f"/outbox/{stored.id}/html").status_code == 404
    assert client.get(f"/outbox/{stored.id + 1000}").status_code == 404


def test_agents_and_viewers_may_not_read_the_outbox(
    client: FlaskClient, session: Session, clock: FixedClock, auth: AuthActions
) -> None:
    stored = make_outbox_message(session, clock)
    session.commit()
    auth.login_as(Role.VIEWER)
    for path in ("/outbox/", f"/outbox/{stored.id}", f"/outbox/{stored.id}/html"):
        assert client.get(path).status_code == 403, path
