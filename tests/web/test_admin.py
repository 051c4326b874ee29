"""Admins create users, change roles and teams, deactivate accounts and read the audit trail."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.roles import Role
from surveyapp.models import AuditEvent, Team, User
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_team, make_user


def _create(client: FlaskClient, **fields: object):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf_token(client, "/admin/users/new"), "role": "agent", **fields}
    return client.post("/admin/users/new", data=data)


def _user_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def test_admin_creates_a_user_with_a_generated_password_that_signs_in(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.ADMIN)
    team = make_team(session, name="Returns")
    session.commit()
    response = _create(
        client, email="Nina@Example.com", name="Nina", role="manager", team_ids=str(team.id)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    password = re.search(r'class="generated-password">([^<]+)<', page)
    assert password, page
    created = session.scalars(select(User).where(User.email == "nina@example.com")).one()
    assert created.role == Role.MANAGER
    assert [t.name for t in created.teams] == ["Returns"]
    assert password.group(1) not in created.password_hash
    assert created.password_hash.startswith("$argon2id$")

    auth.logout()
    auth.login("nina@example.com", password.group(1))
    assert "Welcome, Nina" in client.get("/").get_data(as_text=True)


def test_duplicate_email_is_shown_on_the_field_and_nothing_is_saved(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    admin = auth.login_as(Role.ADMIN)
    before = _user_count(session)
    response = _create(client, email=admin.email.upper(), name="Someone", password="x" * 12)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "A user with this email already exists." in page
    assert 'value="Someone"' in page  # what was typed is kept
    assert _user_count(session) == before


def test_bad_input_on_the_user_form_gets_a_message_per_field(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.ADMIN)
    before = _user_count(session)
    cases = [
        ({"email": "", "name": ""}, ["Enter an email address.", "Enter a name."]),
        ({"email": "not-an-email", "name": "A"}, ["Enter a valid email address."]),
        ({"email": "a@example.com", "name": "N" * 121}, ["Use at most 120 characters."]),
        (
            {"email": "a@example.com", "name": "A", "password": "short"},
            ["Use 12 to 200 characters."],
        ),
        ({"email": "a@example.com", "name": "A", "role": "superuser"}, ["Not a valid choice."]),
        ({"email": "a@example.com", "name": "A", "team_ids": "abc"}, ["Invalid choice(s)"]),
        ({"email": "a@example.com", "name": "A", "team_ids": "999999"}, ["not a valid choice"]),
    ]
    for fields, messages in cases:
        response = _create(client, **fields)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, fields
        for message in messages:
            assert message in page, (fields, message)
    assert _user_count(session) == before


def test_role_change_and_deactivation_are_audited_and_take_effect(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    admin = auth.login_as(Role.ADMIN)
    agent = make_user(session, role=Role.AGENT, name="Ari")
    session.commit()
    url = f"/admin/users/{agent.id}"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "name": "Ari", "role": "manager"}
    )
    assert response.status_code == 302
    session.refresh(agent)
    assert agent.role == Role.MANAGER
    assert agent.is_active is False  # the checkbox was not sent: deactivated
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_id == str(agent.id))
    ).all()
    assert {"user.role_changed", "user.deactivated"} <= set(actions)
    change = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.role_changed")
    ).one()
    assert change.actor_id == admin.id
    assert change.details == {"from": "agent", "to": "manager"}

    auth.logout()
    token = csrf_token(client, "/login")
    refused = client.post(
        "/login",
        data={
            "email": agent.email,
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 401


def test_the_last_admin_cannot_demote_themselves(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    admin = auth.login_as(Role.ADMIN)
    url = f"/admin/users/{admin.id}"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "name": admin.name,
            "role": "viewer",
            "is_active": "y",
        },
    )
    assert response.status_code == 400
    assert "The last active admin cannot be demoted or deactivated." in response.get_data(
        as_text=True
    )
    session.refresh(admin)
    assert admin.role == Role.ADMIN


def test_unknown_user_id_is_a_404(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.ADMIN)
    response = client.get("/admin/users/987654")
    assert response.status_code == 404
    assert "This user does not exist." in response.get_data(as_text=True)


def test_teams_are_created_once_per_name(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.ADMIN)
    token = csrf_token(client, "/admin/teams")
    assert (
        client.post("/admin/teams", data={"csrf_token": token, "name": " Billing "}).status_code
        == 302
    )
    again = client.post("/admin/teams", data={"csrf_token": token, "name": "billing"})
    assert again.status_code == 400
    assert "A team with this name already exists." in again.get_data(as_text=True)
    empty = client.post("/admin/teams", data={"csrf_token": token, "name": "   "})
    assert "Enter a team name." in empty.get_data(as_text=True)
    assert session.scalars(select(Team.name)).all() == ["Billing"]


def test_audit_trail_lists_sign_ins_and_failures(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    make_user(session, email="target@example.com")
    session.commit()
    token = csrf_token(client, "/login")
    client.post(
        "/login", data={"email": "target@example.com", "password": "bad", "csrf_token": token}
    )
    admin = auth.login_as(Role.ADMIN)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Failed sign-in" in page
    assert "target@example.com" in page
    assert "Signed in" in page
    assert admin.email in page


def test_admin_resets_a_password_shown_once_and_the_old_one_stops_working(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.ADMIN)
    agent = make_user(session, role=Role.AGENT)
    session.commit()
    url = f"/admin/users/{agent.id}"
    response = client.post(f"{url}/password", data={"csrf_token": csrf_token(client, url)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    password = re.search(r'class="generated-password">([^<]+)<', page)
    assert password
    assert session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.password_reset")
    ).one().target_id == str(agent.id)

    auth.logout()
    token = csrf_token(client, "/login")
    old = client.post(
        "/login",
        data={
            "email": agent.email,
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    assert old.status_code == 401
    auth.login(agent.email, password.group(1))


def test_bad_input_on_the_edit_form_keeps_the_user_unchanged(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.ADMIN)
    agent = make_user(session, role=Role.AGENT, name="Unchanged")
    session.commit()
    url = f"/admin/users/{agent.id}"
    token = csrf_token(client, url)
    cases = [
        ({"name": "", "role": "agent"}, "Enter a name."),
        ({"name": "N" * 121, "role": "agent"}, "Use at most 120 characters."),
        ({"name": "Ok", "role": "root"}, "Not a valid choice."),
        ({"name": "Ok", "role": "agent", "team_ids": "x"}, "Invalid choice(s)"),
    ]
    for fields, message in cases:
        response = client.post(url, data={"csrf_token": token, "is_active": "y", **fields})
        assert response.status_code == 400, fields
        assert message in response.get_data(as_text=True), fields
    session.refresh(agent)
    assert (agent.name, agent.role, agent.is_active) == ("Unchanged", Role.AGENT, True)


def test_overlong_team_name_is_refused(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.ADMIN)
    response = client.post(
        "/admin/teams", data={"csrf_token": csrf_token(client, "/admin/teams"), "name": "T" * 121}
    )
    assert response.status_code == 400
    assert "Use at most 120 characters." in response.get_data(as_text=True)
    assert session.scalars(select(Team)).all() == []


def test_invisible_nul_characters_in_a_staff_form_are_dropped(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.ADMIN)
    token = csrf_token(client, "/admin/teams")
    response = client.post("/admin/teams", data={"csrf_token": token, "name": "Bil\x00ling\x00"})
    assert response.status_code == 302
    assert session.scalars(select(Team.name)).all() == ["Billing"]
