"""performance: indexes and stored columns for hot paths

Revision ID: a1e9d0c7b004
Revises: a1e9d0c7b003
Create Date: 2026-11-23 05:20:00.000000+00:00

The case inbox sorts, filters and counts by four columns the database derives from each case
(generated columns): they are computed for existing cases when added and kept right by every
later write. PostgreSQL stores them; SQLite computes them on read (``VIRTUAL``, the only kind
``ALTER TABLE ADD COLUMN`` accepts, and rebuilding ``cases`` would cascade deletes into its
child tables) and keeps their values in the indexes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1e9d0c7b004"
down_revision: str | None = "a1e9d0c7b003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DERIVED = (
    (
        "is_open",
        sa.Boolean(),
        "status = 'new' OR status = 'in_progress' OR status = 'waiting_on_customer'",
    ),
    (
        "urgency",
        sa.Integer(),
        "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END",
    ),
    (
        "next_due_at",
        sa.DateTime(timezone=True),
        "CASE WHEN first_action_at IS NULL THEN first_action_due_at ELSE resolution_due_at END",
    ),
    (
        "overdue_at",
        sa.DateTime(timezone=True),
        "CASE WHEN first_action_at IS NULL AND first_action_due_at < resolution_due_at "
        "THEN first_action_due_at ELSE resolution_due_at END",
    ),
)
_SQLITE_TYPES = {"is_open": "BOOLEAN", "urgency": "INTEGER"}
_INDEXES = (
    ("ix_cases_team_queue", ["team_id", "is_open", "urgency", "next_due_at", "id"]),
    ("ix_cases_owner_queue", ["owner_id", "is_open", "urgency", "next_due_at", "id"]),
    ("ix_cases_open_queue", ["is_open", "urgency", "next_due_at", "id"]),
    ("ix_cases_open_counts", ["is_open", "team_id", "owner_id", "overdue_at"]),
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, type_, expression in _DERIVED:
        if sqlite:
            # SQLite appends every added column to one line of the stored CREATE TABLE, and
            # SQLAlchemy's reflection reads a generated column's expression up to the last
            # parenthesis of its line: the line break before VIRTUAL keeps each one apart.
            op.execute(
                f"ALTER TABLE cases ADD COLUMN {name} {_SQLITE_TYPES.get(name, 'DATETIME')} "
                f"NOT NULL GENERATED ALWAYS AS ({expression})\nVIRTUAL"
            )
        else:
            op.add_column(
                "cases",
                sa.Column(name, type_, sa.Computed(expression, persisted=True), nullable=False),
            )
    for name, columns in _INDEXES:
        op.create_index(name, "cases", columns, unique=False)


def downgrade() -> None:
    for name, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name="cases")
    for name, _type, _expression in reversed(_DERIVED):
        # A plain DROP COLUMN (SQLite >= 3.35), not a batch rebuild of the table.
        op.execute(f"ALTER TABLE cases DROP COLUMN {name}")
