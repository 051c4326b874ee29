"""The retention settings page: validation, saving (audited), preview and last run, admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.retention import RetentionKind
from surveyapp.domain.roles import Role
from surveyapp.models import AuditEvent
from surveyapp.runtime import get_runtime
from surveyapp.services.privacy import retention
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_outbox_message

PAGE = "/admin/retention"


def _form(client: FlaskClient, **fields: str) -> dict[str, str]:
    values = {
        "csrf_token": csrf_token(client, PAGE),
        "free_text_days": "730",
        "inactive_contacts_days": "",
        "inactive_contacts_forever": "y",
        "outbox_bodies_days": "90",
        "audit_log_days": "730",
    }
    values.update(fields)
    return {name: value for name, value in values.items() if value is not None}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"free_text_days": "5"}, "Enter a number of days from 30 to 3650."),
        ({"audit_log_days": "364"}, "Enter a number of days from 365 to 3650."),
        ({"outbox_bodies_days": "3651"}, "Enter a number of days from 7 to 3650."),
        ({"outbox_bodies_days": "ninety"}, "Not a valid integer value."),
        ({"free_text_days": ""}, "Enter a number of days or choose keep forever."),
    ],
)
def test_settings_form_refuses_bad_periods_and_keeps_the_stored_ones(
    client: FlaskClient,
    auth: AuthActions,
    session: Session,
    clock: FixedClock,
    fields: dict[str, str],
    message: str,
) -> None:
    auth.login_as(Role.ADMIN)
    before = retention.periods(session)
    page = client.post(PAGE, data=_form(client, **fields))
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert "Please correct the marked fields." in html
    session.expire_all()
    assert retention.periods(session) == before
    changed = select(func.count()).where(AuditEvent.action == retention.SETTINGS_CHANGED)
    assert session.scalar(changed) == 0


def test_settings_form_saves_audits_and_shows_the_new_preview(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock
) -> None:
    admin = auth.login_as(Role.ADMIN)
    make_outbox_message(session, clock)
    session.commit()
    clock.advance(timedelta(days=10))
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="730"' in page
    assert "Retention has not run yet." in page
    assert '<td class="text-end" data-kind="outbox_bodies">0</td>' in page

    form = _form(client, outbox_bodies_days="7", audit_log_days="12", audit_log_forever="y")
    saved = client.post(PAGE, data=form)
    assert saved.status_code == 302
    session.expire_all()
    assert retention.periods(session) == {
        RetentionKind.FREE_TEXT: 730,
        RetentionKind.INACTIVE_CONTACTS: None,
        RetentionKind.OUTBOX_BODIES: 7,
        RetentionKind.AUDIT_LOG: None,  # kept forever: the days typed beside it are ignored
    }
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == retention.SETTINGS_CHANGED)
    ).one()
    assert event.actor_id == admin.id
    assert event.details == {
        "outbox_bodies": {"from": 90, "to": 7},
        "audit_log": {"from": 730, "to": None},
    }
    page = client.get(PAGE).get_data(as_text=True)
    assert "Retention periods saved." in page
    assert '<td class="text-end" data-kind="outbox_bodies">1</td>' in page

    retention.apply(get_runtime(client.application).session_factory, clock=clock)
    page = client.get(PAGE).get_data(as_text=True)
    assert '<dd class="col-4 text-end" data-kind="outbox_bodies">1</dd>' in page


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CX_OWNER, Role.AGENT])
def test_only_admins_see_or_change_retention(
    client: FlaskClient, auth: AuthActions, session: Session, role: Role
) -> None:
    auth.login_as(role)
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client, "/account")
    refused = client.post(PAGE, data={"csrf_token": token, "free_text_days": "30"})
    assert refused.status_code == 403
    assert retention.periods(session)[RetentionKind.FREE_TEXT] == 730
