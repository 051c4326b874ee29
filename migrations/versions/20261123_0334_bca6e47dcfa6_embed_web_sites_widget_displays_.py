"""embed: web sites, widget displays, anonymous visitors on web rules

Revision ID: bca6e47dcfa6
Revises: c6a44d14176f
Create Date: 2026-11-23 03:34:43.473139+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bca6e47dcfa6"
down_revision: str | None = "c6a44d14176f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("site_key", sa.String(length=40), nullable=False),
        sa.Column("secret_salt", sa.String(length=64), nullable=False),
        sa.Column("secret_check", sa.String(length=16), nullable=False),
        sa.Column("secret_issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("allowed_origins", sa.JSON(), nullable=False),
        sa.Column("theme_colour", sa.String(length=7), nullable=False),
        sa.Column(
            "position",
            sa.Enum(
                "bottom_right",
                "bottom_left",
                name="web_site_position",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("start_minimized", sa.Boolean(), nullable=False),
        sa.Column("explain_decisions", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_web_sites_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sites")),
        sa.UniqueConstraint("site_key", name=op.f("uq_web_sites_site_key")),
    )
    op.create_table(
        "web_displays",
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_asked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_web_displays_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["web_sites.id"],
            name=op.f("fk_web_displays_site_id_web_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("invitation_id", name=op.f("pk_web_displays")),
    )
    with op.batch_alter_table("web_displays", schema=None) as batch_op:
        batch_op.create_index("ix_web_displays_site_shown", ["site_id", "shown_at"], unique=False)

    # Existing rules keep surveying identified contacts only.
    with op.batch_alter_table("trigger_rules", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("allow_anonymous", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("trigger_rules", schema=None) as batch_op:
        batch_op.alter_column("allow_anonymous", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("trigger_rules", schema=None) as batch_op:
        batch_op.drop_column("allow_anonymous")

    with op.batch_alter_table("web_displays", schema=None) as batch_op:
        batch_op.drop_index("ix_web_displays_site_shown")

    op.drop_table("web_displays")
    op.drop_table("web_sites")
