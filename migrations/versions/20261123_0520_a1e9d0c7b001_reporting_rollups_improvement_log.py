"""reporting: daily rollups, improvement log

Revision ID: a1e9d0c7b001
Revises: bca6e47dcfa6
Create Date: 2026-11-23 05:20:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1e9d0c7b001"
down_revision: str | None = "bca6e47dcfa6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_daily_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=True),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("rating_type", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_daily_scores")),
    )
    op.create_index(
        "ix_report_daily_scores_day", "report_daily_scores", ["day", "touchpoint_id"], unique=False
    )
    op.create_index(
        "ix_report_daily_scores_touchpoint_day",
        "report_daily_scores",
        ["touchpoint_id", "day"],
        unique=False,
    )
    op.create_table(
        "report_daily_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=True),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_daily_deliveries")),
    )
    op.create_index(
        "ix_report_daily_deliveries_day",
        "report_daily_deliveries",
        ["day", "touchpoint_id"],
        unique=False,
    )
    op.create_index(
        "ix_report_daily_deliveries_touchpoint_day",
        "report_daily_deliveries",
        ["touchpoint_id", "day"],
        unique=False,
    )
    op.create_table(
        "report_rollup_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_report_rollup_state")),
    )
    op.create_table(
        "improvements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=True),
        sa.Column("root_cause_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_improvements_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["root_cause_id"],
            ["root_causes.id"],
            name=op.f("fk_improvements_root_cause_id_root_causes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"],
            ["touchpoints.id"],
            name=op.f("fk_improvements_touchpoint_id_touchpoints"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvements")),
    )
    op.create_index("ix_improvements_changed_on", "improvements", ["changed_on"], unique=False)
    # The rollup job reads what changed since its watermark and whole days of responses.
    op.create_index("ix_responses_updated_at", "responses", ["updated_at"], unique=False)
    op.create_index("ix_responses_started_at", "responses", ["started_at"], unique=False)
    op.create_index("ix_invitations_sent_at", "invitations", ["sent_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_invitations_sent_at", table_name="invitations")
    op.drop_index("ix_responses_started_at", table_name="responses")
    op.drop_index("ix_responses_updated_at", table_name="responses")
    op.drop_index("ix_improvements_changed_on", table_name="improvements")
    op.drop_table("improvements")
    op.drop_table("report_rollup_state")
    op.drop_index("ix_report_daily_deliveries_touchpoint_day", table_name="report_daily_deliveries")
    op.drop_index("ix_report_daily_deliveries_day", table_name="report_daily_deliveries")
    op.drop_table("report_daily_deliveries")
    op.drop_index("ix_report_daily_scores_touchpoint_day", table_name="report_daily_scores")
    op.drop_index("ix_report_daily_scores_day", table_name="report_daily_scores")
    op.drop_table("report_daily_scores")
