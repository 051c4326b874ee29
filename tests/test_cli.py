"""The flask commands an operator uses: seeding the demo, creating users, migrating."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.roles import Role
from surveyapp.models import Team, User
from surveyapp.services.auth import verify_password


def test_seed_demo_creates_the_workspace_once_and_prints_the_password_once(
    app: Flask, session: Session
) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    password = re.search(r"Password:\s+(\S+)", first.output)
    assert password, first.output
    admin = session.scalars(select(User).where(User.email == "admin@example.com")).one()
    assert admin.role == Role.ADMIN
    assert verify_password(admin.password_hash, password.group(1))
    assert {user.role for user in session.scalars(select(User))} == set(Role)
    users_before = session.scalar(select(func.count()).select_from(User))
    teams_before = session.scalar(select(func.count()).select_from(Team))

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "Password:" not in second.output
    assert password.group(1) not in second.output
    assert session.scalar(select(func.count()).select_from(User)) == users_before
    assert session.scalar(select(func.count()).select_from(Team)) == teams_before


def test_users_create_generates_a_password_or_refuses_duplicates(
    app: Flask, session: Session
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "ops@example.com", "--name", "Ops", "--role", "manager"]
    )
    assert result.exit_code == 0, result.output
    generated = re.search(r"shown only now\): (\S+)", result.output)
    assert generated
    user = session.scalars(select(User).where(User.email == "ops@example.com")).one()
    assert user.role == Role.MANAGER
    assert verify_password(user.password_hash, generated.group(1))

    duplicate = runner.invoke(
        args=["users", "create", "--email", "OPS@example.com", "--name", "Again"]
    )
    assert duplicate.exit_code != 0
    assert "A user with this email already exists." in duplicate.output

    short = runner.invoke(
        args=["users", "create", "--email", "x@example.com", "--name", "X", "--password", "short"]
    )
    assert short.exit_code != 0
    assert "Use at least 12 characters." in short.output


def test_db_current_reports_an_up_to_date_schema(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 0
    assert "(up to date)" in result.output
