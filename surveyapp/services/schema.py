"""The database schema, changed only through Alembic migrations."""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from config import PROJECT_ROOT

log = logging.getLogger(__name__)

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"


def alembic_config(
    engine: Engine | None = None, connection: Connection | None = None
) -> AlembicConfig:
    """The Alembic configuration of this project, bound to ``connection`` or ``engine``."""
    cfg = AlembicConfig(str(ALEMBIC_INI))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    elif engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database of ``engine`` up to ``revision`` (default: the newest)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection=connection), revision)
    log.info("Database upgraded to %s", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database of ``engine`` down to ``revision`` (``base`` empties it)."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection=connection), revision)
    log.info("Database downgraded to %s", revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision in ``migrations/versions``."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_up_to_date(engine: Engine) -> bool:
    """Whether the database is at the newest revision."""
    return current_revision(engine) == head_revision()
