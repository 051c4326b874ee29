"""Alembic environment: runs migrations on the app's database (SQLite or PostgreSQL)."""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from config import Config
from surveyapp.models import Base
from surveyapp.models.base import UTCDateTime
from surveyapp.services._db import make_engine

target_metadata = Base.metadata


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    # Revisions must not import the app's models: our UTC column type is written as plain SQL.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Use the connection or engine the caller passed, else the configured database."""
    attributes = context.config.attributes
    connection = attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    engine = attributes.get("engine") or make_engine(Config.from_env().resolved().database_url)
    with engine.begin() as connection:
        _configure_and_run(connection)


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run them against a database.")
run_migrations_online()
