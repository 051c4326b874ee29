"""Managers subscribe to their teams' reports and end subscriptions on the subscriptions page."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import ReportSubscription
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_case_setup, make_team

PAGE = "/reports/subscriptions"


def _subscribe(client: FlaskClient, scope: str, **fields: str):  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": csrf_token(client, PAGE),
        "scope": scope,
        "cadence": "weekly",
        "timezone": "Europe/Berlin",
        "locale": "de",
        **fields,
    }
    return client.post(PAGE, data=data)


def test_a_manager_subscribes_to_their_team_and_sees_the_next_report(
    client: FlaskClient, session: Session, auth: AuthActions, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    session.commit()
    auth.login(setup.manager.email)

    page = client.get(PAGE).get_data(as_text=True)
    response = _subscribe(client, f"team:{setup.team.id}")
    listed = client.get(PAGE).get_data(as_text=True)

    assert setup.team.name in page
    assert response.status_code == 303
    assert setup.team.name in listed
    # Subscribed on Monday 2 March 10:00 Berlin: this week's report already went; next Monday.
    assert "3/9/26, 7:00" in listed
    assert "Europe/Berlin" in listed
    stored = session.scalars(select(ReportSubscription)).one()
    assert (stored.team_id, stored.locale, stored.last_sent_period) == (
        setup.team.id,
        "de",
        "2026-W10",
    )


def test_a_manager_cannot_subscribe_to_another_team(
    client: FlaskClient, session: Session, auth: AuthActions, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    other = make_team(session, name="Billing")
    session.commit()
    auth.login(setup.manager.email)

    page = client.get(PAGE).get_data(as_text=True)
    response = _subscribe(client, f"team:{other.id}")

    assert "Billing" not in page
    assert response.status_code == 400
    assert session.scalars(select(ReportSubscription)).all() == []


def test_the_same_report_twice_is_refused_with_a_message(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    team = make_team(session, name="Onboarding")
    session.commit()
    auth.login_as(Role.ADMIN)

    _subscribe(client, f"team:{team.id}")
    again = _subscribe(client, f"team:{team.id}")

    assert again.status_code == 400
    assert "You already receive this report." in again.get_data(as_text=True)


def test_an_agent_is_told_who_may_subscribe(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.AGENT)

    page = client.get(PAGE)

    assert page.status_code == 200
    assert "Managers, CX owners and admins can subscribe to reports." in page.get_data(as_text=True)


def test_unsubscribing_ends_only_ones_own_subscription(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    team = make_team(session, name="Returns")
    session.commit()
    owner = auth.login_as(Role.CX_OWNER)
    _subscribe(client, f"team:{team.id}")
    mine = session.scalars(select(ReportSubscription)).one()

    def end() -> int:
        token = csrf_token(client, PAGE)
        data = {"csrf_token": token, "subscription_id": str(mine.id)}
        return client.post(f"{PAGE}/end", data=data).status_code

    auth.logout()
    auth.login_as(Role.ADMIN)
    foreign = end()
    auth.logout()
    auth.login(owner.email)
    own = end()

    assert foreign == 404
    assert own == 303
    session.expire_all()
    assert session.scalars(select(ReportSubscription)).all() == []
    assert "You do not receive any report yet." in client.get(PAGE).get_data(as_text=True)
