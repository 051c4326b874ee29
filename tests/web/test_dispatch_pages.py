"""The sending pages: queue, dead letters with replay, timelines, and bounces on the contact."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.dispatch import EventKind
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState
from surveyapp.models import AuditEvent, Invitation, InvitationEvent
from surveyapp.services.dispatch import bounces
from surveyapp.services.dispatch.bounces import DeliveryReportKind
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_dispatch_rule, make_dispatched_invitation

FAILED, UNCERTAIN, SENT = InvitationState.FAILED, InvitationState.UNCERTAIN, InvitationState.SENT
SMTP_ANSWER = "550 5.1.1 &lt;c-f@example.com&gt;: Recipient address rejected"


@pytest.fixture
def letters(session: Session, clock: FixedClock) -> dict[str, Invitation]:
    """A failed, an uncertain, a sent and a queued invitation (committed)."""
    make_dispatch_rule(session, clock)
    made = {
        "failed": make_dispatched_invitation(
            session,
            clock,
            "f",
            FAILED,
            last_error="550 5.1.1 <c-f@example.com>: Recipient address rejected",
            name="Frieda Failed",
        ),
        "uncertain": make_dispatched_invitation(
            session, clock, "u", UNCERTAIN, last_error="lease ran out", name="Uwe Uncertain"
        ),
        "sent": make_dispatched_invitation(session, clock, "s", SENT, name="Sina Sent"),
        "queued": make_dispatched_invitation(
            session, clock, "q", InvitationState.QUEUED, name="Quirin Queued"
        ),
    }
    session.add(
        InvitationEvent(
            invitation_id=made["failed"].id,
            occurred_at=clock.now(),
            kind=EventKind.FAILED.value,
            detail="550 5.1.1 rejected",
            attempt=1,
            worker_id="worker-7",
        )
    )
    session.commit()
    return made


def _page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def _count_cell(page: str, state: str) -> str:
    row = re.search(rf'<tr data-state="{state}">(.*?)</tr>', page, re.S)
    assert row, state
    label, count = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    return f"{label.strip()}: {count.strip()}"


def _replay(client: FlaskClient, **data: object):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/dispatch/dead-letters")
    return client.post("/dispatch/dead-letters/replay", data={"csrf_token": token, **data})


def test_pages_are_refused_to_anonymous_visitors_and_to_other_roles(
    client: FlaskClient, auth: AuthActions, letters: dict[str, Invitation]
) -> None:
    paths = [
        "/dispatch/",
        "/dispatch/dead-letters",
        f"/dispatch/invitations/{letters['failed'].id}",
        "/outbox/",
    ]
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/login"), path
    auth.login_as(Role.AGENT)
    for path in paths:
        assert client.get(path).status_code == 403, path
    assert 'href="/dispatch/"' not in _page(client, "/")


def test_admin_sees_counts_in_words_next_sends_and_failures_with_the_smtp_answer(
    client: FlaskClient, auth: AuthActions, letters: dict[str, Invitation]
) -> None:
    auth.login_as(Role.ADMIN)
    page = _page(client, "/dispatch/")
    assert _count_cell(page, "failed") == "Failed: 1"
    assert _count_cell(page, "uncertain") == "Uncertain (may have been sent): 1"
    assert _count_cell(page, "queued") == "Queued: 1"
    assert _count_cell(page, "cancelled") == "Cancelled: 0"
    assert "Quirin Queued" in page
    assert SMTP_ANSWER in page
    assert f'href="/dispatch/invitations/{letters["failed"].id}"' in page
    # The navigation names the dead letters in words too, not just a red number.
    badge = r"Mail delivery\s*<span class=\"badge[^>]*>2<span class=\"visually-hidden\">"
    assert re.search(badge, page)


def test_admin_replays_one_row_and_then_the_checked_rows(
    client: FlaskClient, session: Session, auth: AuthActions, letters: dict[str, Invitation]
) -> None:
    auth.login_as(Role.ADMIN)
    page = _page(client, "/dispatch/dead-letters")
    assert "may already have arrived" in page
    assert f'name="invitation_ids" value="{letters["uncertain"].id}"' in page
    assert "Sina Sent" not in page

    one = _replay(client, only=letters["failed"].id, invitation_ids=letters["uncertain"].id)
    assert one.status_code == 302
    assert one.headers["Location"] == "/dispatch/dead-letters"
    session.expire_all()
    assert session.get(Invitation, letters["failed"].id).state == InvitationState.QUEUED  # type: ignore[union-attr]
    assert session.get(Invitation, letters["uncertain"].id).state == UNCERTAIN  # type: ignore[union-attr]
    assert "1 invitation was queued again." in _page(client, "/dispatch/dead-letters")

    ids = [letters["uncertain"].id, letters["sent"].id]
    bulk = _replay(client, invitation_ids=ids)
    assert bulk.status_code == 302
    after = _page(client, "/dispatch/dead-letters")
    assert "1 invitation was queued again." in after
    assert "1 row was left as it was" in after
    assert 'id="no-dead-letters"' in after
    session.expire_all()
    assert session.get(Invitation, letters["sent"].id).state == SENT  # type: ignore[union-attr]
    audits = session.scalars(select(AuditEvent).where(AuditEvent.action == "dispatch.replayed"))
    assert len(audits.all()) == 2


def test_replay_needs_the_csrf_token_and_a_chosen_row(
    client: FlaskClient, session: Session, auth: AuthActions, letters: dict[str, Invitation]
) -> None:
    auth.login_as(Role.ADMIN)
    refused = client.post("/dispatch/dead-letters/replay", data={"only": letters["failed"].id})
    assert refused.status_code == 400
    assert _replay(client).status_code == 302
    assert "Choose at least one row first." in _page(client, "/dispatch/dead-letters")
    session.expire_all()
    assert session.get(Invitation, letters["failed"].id).state == FAILED  # type: ignore[union-attr]


def test_cx_owners_read_the_dead_letters_but_may_not_replay(
    client: FlaskClient, session: Session, auth: AuthActions, letters: dict[str, Invitation]
) -> None:
    auth.login_as(Role.CX_OWNER)
    page = _page(client, "/dispatch/dead-letters")
    assert "Frieda Failed" in page
    assert 'name="invitation_ids"' not in page
    assert "Replay the chosen invitations" not in page
    token = csrf_token(client, "/")
    answer = client.post(
        "/dispatch/dead-letters/replay", data={"csrf_token": token, "only": letters["failed"].id}
    )
    assert answer.status_code == 403
    session.expire_all()
    assert session.get(Invitation, letters["failed"].id).state == FAILED  # type: ignore[union-attr]


def test_the_timeline_shows_facts_and_steps_and_offers_replay_to_admins(
    client: FlaskClient, auth: AuthActions, letters: dict[str, Invitation]
) -> None:
    auth.login_as(Role.ADMIN)
    failed = letters["failed"]
    page = _page(client, f"/dispatch/invitations/{failed.id}")
    assert SMTP_ANSWER in page
    assert '<tr data-kind="failed">' in page
    assert "worker-7" in page
    assert "Replay this invitation" in page
    assert 'id="checks"' in page  # planning's checks, explained
    sent_page = _page(client, f"/dispatch/invitations/{letters['sent'].id}")
    assert "Replay this invitation" not in sent_page
    _page(client, "/dispatch/invitations/999999", status=404)


def test_german_staff_read_the_sending_pages_in_german(
    client: FlaskClient, auth: AuthActions, letters: dict[str, Invitation]
) -> None:
    auth.login_as(Role.ADMIN, locale="de")
    queue_page = _page(client, "/dispatch/")
    assert "Versandwarteschlange" in queue_page
    assert _count_cell(queue_page, "failed") == "Fehlgeschlagen: 1"
    dead_letters = _page(client, "/dispatch/dead-letters")
    assert "Ausgewählte Einladungen erneut senden" in dead_letters
    assert "möglicherweise schon angekommen" in dead_letters


def test_a_bounce_shows_on_the_contact_with_links_to_the_timelines(
    client: FlaskClient,
    session: Session,
    clock: FixedClock,
    auth: AuthActions,
    letters: dict[str, Invitation],
) -> None:
    bounces.record_delivery_report(
        session,
        email="c-s@example.com",
        kind=DeliveryReportKind.HARD_BOUNCE,
        detail="550 mailbox unavailable",
        occurred_at=None,
        clock=clock,
    )
    session.commit()
    sent = letters["sent"]
    auth.login_as(Role.CX_OWNER)
    page = _page(client, f"/contacts/{sent.contact_id}")
    assert 'id="address-suppressed"' in page
    assert "Hard bounce: the mailbox does not exist" in page
    assert "550 mailbox unavailable" in page
    assert f'href="/dispatch/invitations/{sent.id}"' in page
    timeline = _page(client, f"/dispatch/invitations/{sent.id}")
    assert '<tr data-kind="bounced">' in timeline

    auth.logout()
    auth.login_as(Role.AGENT)
    agent_page = _page(client, f"/contacts/{sent.contact_id}")
    assert 'id="address-suppressed"' in agent_page
    assert "/dispatch/invitations/" not in agent_page  # agents may not open the timeline
