"""Alembic is the only way the schema changes: migrations and models must agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from surveyapp.models import Base
from surveyapp.services import schema
from surveyapp.services._db import make_engine
from tests.databases import BACKENDS, fresh_database


def test_there_is_exactly_one_head() -> None:
    heads = ScriptDirectory.from_config(schema.alembic_config()).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}; merge them"


def test_every_revision_has_a_message() -> None:
    script = ScriptDirectory.from_config(schema.alembic_config())
    for revision in script.walk_revisions():
        assert (revision.doc or "").strip(), f"revision {revision.revision} has no message"


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_matches_models_and_downgrade_empties(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            schema.upgrade(engine)
            assert schema.is_up_to_date(engine)
            with engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"compare_type": True, "compare_server_default": True}
                )
                differences = compare_metadata(context, Base.metadata)
            assert differences == [], f"models and migrations differ: {differences}"
            assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())

            schema.downgrade(engine, "base")
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
            assert schema.current_revision(engine) is None

            schema.upgrade(engine)  # and back up again: the downgrade left nothing behind
            assert schema.is_up_to_date(engine)
        finally:
            engine.dispose()
