"""performance: answering

Revision ID: a1e9d0c7b006
Revises: a1e9d0c7b005
Create Date: 2026-11-23 06:25:00.000000+00:00
"""

from collections.abc import Sequence

revision: str = "a1e9d0c7b006"
down_revision: str | None = "a1e9d0c7b005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
