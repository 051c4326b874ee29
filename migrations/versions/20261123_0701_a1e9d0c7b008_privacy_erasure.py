"""privacy erasure

Revision ID: a1e9d0c7b008
Revises: a1e9d0c7b007
Create Date: 2026-11-23 07:01:00.000000+00:00

No schema change: erasure pseudonymises in the existing columns (services/privacy/erasure.py).
The revision stays so that the chain of revisions stays as planned.
"""

from collections.abc import Sequence

revision: str = "a1e9d0c7b008"
down_revision: str | None = "a1e9d0c7b007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
