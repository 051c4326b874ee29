"""invitations indexed by trigger rule and creation time (daily caps)

Revision ID: 5d0c1e7a9b21
Revises: e09cf3345735
Create Date: 2026-11-23 02:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5d0c1e7a9b21"
down_revision: str | None = "e09cf3345735"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_invitations_rule_created",
        "invitations",
        ["trigger_rule_id", "created_at", "state"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_invitations_rule_created", table_name="invitations")
