"""cases: follow-up cases, timeline, root causes, case rules, team SLAs, case mail

Revision ID: c6a44d14176f
Revises: dc93e028065a
Create Date: 2026-11-23 03:33:08.689992+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c6a44d14176f"
down_revision: str | None = "dc93e028065a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "root_causes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_root_causes")),
        sa.UniqueConstraint("name", name=op.f("uq_root_causes_name")),
    )
    op.create_table(
        "team_case_settings",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("first_action_hours", sa.Integer(), nullable=False),
        sa.Column("resolution_hours", sa.Integer(), nullable=False),
        sa.Column("uses_working_hours", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("working_days", sa.JSON(), nullable=False),
        sa.Column("day_start", sa.String(length=5), nullable=False),
        sa.Column("day_end", sa.String(length=5), nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("escalation_grace_hours", sa.Integer(), nullable=False),
        sa.Column("round_robin", sa.Boolean(), nullable=False),
        sa.Column("max_open_per_agent", sa.Integer(), nullable=True),
        sa.Column("last_assigned_user_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "first_action_hours > 0", name=op.f("ck_team_case_settings_first_action_positive")
        ),
        sa.CheckConstraint(
            "resolution_hours > 0", name=op.f("ck_team_case_settings_resolution_positive")
        ),
        sa.ForeignKeyConstraint(
            ["last_assigned_user_id"],
            ["users.id"],
            name=op.f("fk_team_case_settings_last_assigned_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_case_settings_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_team_case_settings")),
    )
    op.create_table(
        "case_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("touchpoint_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("nps_max", sa.Integer(), nullable=True),
        sa.Column("csat_max", sa.Integer(), nullable=True),
        sa.Column("ces_max", sa.Integer(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("priority_attribute", sa.String(length=64), nullable=True),
        sa.Column("priority_values", sa.JSON(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(survey_id IS NULL) <> (touchpoint_id IS NULL)", name=op.f("ck_case_rules_one_scope")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_case_rules_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_case_rules_team_id_teams"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"],
            ["touchpoints.id"],
            name=op.f("fk_case_rules_touchpoint_id_touchpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_rules")),
        sa.UniqueConstraint("survey_id", name=op.f("uq_case_rules_survey_id")),
        sa.UniqueConstraint("touchpoint_id", name=op.f("uq_case_rules_touchpoint_id")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("touchpoint_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "new",
                "in_progress",
                "waiting_on_customer",
                "resolved",
                "closed",
                name="case_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum(
                "low",
                "normal",
                "high",
                "urgent",
                name="case_priority",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column(
            "score_band",
            sa.Enum(
                "very_unhappy",
                "unhappy",
                "neutral",
                "happy",
                "none",
                name="case_score_band",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_action_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_action_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column(
            "customer_verdict",
            sa.Enum(
                "solved",
                "not_solved",
                name="case_customer_verdict",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_cases_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_cases_owner_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_cases_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_cases_team_id_teams"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"],
            ["touchpoints.id"],
            name=op.f("fk_cases_touchpoint_id_touchpoints"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("response_id", name=op.f("uq_cases_response_id")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_contact_id", ["contact_id"], unique=False)
        batch_op.create_index("ix_cases_owner_status", ["owner_id", "status"], unique=False)
        batch_op.create_index("ix_cases_team_status", ["team_id", "status"], unique=False)
        batch_op.create_index("ix_cases_team_opened", ["team_id", "opened_at"], unique=False)
        batch_op.create_index(
            "ix_cases_open_overview",
            [
                "status",
                "team_id",
                "owner_id",
                "first_action_at",
                "first_action_due_at",
                "resolution_due_at",
            ],
            unique=False,
        )

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_case_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index("ix_case_events_case", ["case_id", "occurred_at"], unique=False)

    op.create_table(
        "case_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "close_loop",
                "reminder",
                "escalation",
                "assigned",
                name="case_mail_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "sending",
                "sent",
                "failed",
                "uncertain",
                name="case_mail_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=120), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "verdict",
            sa.Enum(
                "solved",
                "not_solved",
                name="case_mail_verdict",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_mails_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_case_mails_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_mails")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_case_mails_token_hash")),
    )
    with op.batch_alter_table("case_mails", schema=None) as batch_op:
        batch_op.create_index("ix_case_mails_case", ["case_id"], unique=False)
        batch_op.create_index("ix_case_mails_state_send_at", ["state", "send_at"], unique=False)

    op.create_table(
        "case_root_causes",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("root_cause_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_root_causes_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["root_cause_id"],
            ["root_causes.id"],
            name=op.f("fk_case_root_causes_root_cause_id_root_causes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "root_cause_id", name=op.f("pk_case_root_causes")),
    )


def downgrade() -> None:
    op.drop_table("case_root_causes")
    with op.batch_alter_table("case_mails", schema=None) as batch_op:
        batch_op.drop_index("ix_case_mails_state_send_at")
        batch_op.drop_index("ix_case_mails_case")

    op.drop_table("case_mails")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index("ix_case_events_case")

    op.drop_table("case_events")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_open_overview")
        batch_op.drop_index("ix_cases_team_opened")
        batch_op.drop_index("ix_cases_team_status")
        batch_op.drop_index("ix_cases_owner_status")
        batch_op.drop_index("ix_cases_contact_id")

    op.drop_table("cases")
    op.drop_table("case_rules")
    op.drop_table("team_case_settings")
    op.drop_table("root_causes")
