"""touchpoints, journey stages, interactions, trigger rules, invitation states

Revision ID: 96b00415d33c
Revises: 3a4e93fd784c
Create Date: 2026-11-22 22:49:34.271836+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "96b00415d33c"
down_revision: str | None = "3a4e93fd784c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "journey_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_stages")),
        sa.UniqueConstraint("key", name=op.f("uq_journey_stages_key")),
    )
    op.create_table(
        "touchpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("stage_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["journey_stages.id"],
            name=op.f("fk_touchpoints_stage_id_journey_stages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_touchpoints_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_touchpoints")),
        sa.UniqueConstraint("key", name=op.f("uq_touchpoints_key")),
    )
    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("contact_channel", sa.String(length=32), nullable=True),
        sa.Column("agent_external_id", sa.String(length=120), nullable=True),
        sa.Column("agent_name", sa.String(length=200), nullable=True),
        sa.Column("first_response_seconds", sa.Integer(), nullable=True),
        sa.Column("resolution_seconds", sa.Integer(), nullable=True),
        sa.Column("solved_first_contact", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_interactions_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"],
            ["touchpoints.id"],
            name=op.f("fk_interactions_touchpoint_id_touchpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_interactions_idempotency_key")),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index("ix_interactions_contact_id", ["contact_id"], unique=False)
        batch_op.create_index(
            "ix_interactions_touchpoint_occurred", ["touchpoint_id", "occurred_at"], unique=False
        )

    op.create_table(
        "trigger_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "email",
                "web",
                name="rule_channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("delay_minutes", sa.Integer(), nullable=False),
        sa.Column("sampling_rate", sa.Double(), nullable=False),
        sa.Column("strata", sa.JSON(), nullable=False),
        sa.Column("recontact_days_contact", sa.Integer(), nullable=True),
        sa.Column("recontact_days_survey", sa.Integer(), nullable=True),
        sa.Column("quiet", sa.JSON(), nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=True),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("reminder_days", sa.Integer(), nullable=True),
        sa.Column("expiry_days", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("delay_minutes >= 0", name=op.f("ck_trigger_rules_delay_not_negative")),
        sa.CheckConstraint(
            "sampling_rate >= 0 AND sampling_rate <= 1",
            name=op.f("ck_trigger_rules_sampling_rate_range"),
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_trigger_rules_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"],
            ["touchpoints.id"],
            name=op.f("fk_trigger_rules_touchpoint_id_touchpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_rules")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("interaction_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("trigger_rule_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "state",
                sa.Enum(
                    "planned",
                    "queued",
                    "suppressed",
                    "sending",
                    "sent",
                    "answered",
                    "expired",
                    "failed",
                    "uncertain",
                    "cancelled",
                    name="invitation_state",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=False,
                server_default="sent",
            )
        )
        batch_op.add_column(sa.Column("send_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("checks", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("suppression_reasons", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.create_index(
            batch_op.f("ix_invitations_interaction_id"), ["interaction_id"], unique=False
        )
        batch_op.create_index("ix_invitations_state_send_at", ["state", "send_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_invitations_trigger_rule_id_trigger_rules"),
            "trigger_rules",
            ["trigger_rule_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_invitations_interaction_id_interactions"),
            "interactions",
            ["interaction_id"],
            ["id"],
            ondelete="SET NULL",
        )

    # Existing invitations are test links (handed over on screen, so sent); the defaults only
    # fill those rows and are dropped again.
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.alter_column("state", server_default=None)
        batch_op.alter_column("checks", server_default=None)
        batch_op.alter_column("suppression_reasons", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_invitations_interaction_id_interactions"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_invitations_trigger_rule_id_trigger_rules"), type_="foreignkey"
        )
        batch_op.drop_index("ix_invitations_state_send_at")
        batch_op.drop_index(batch_op.f("ix_invitations_interaction_id"))
        # SQLite rebuilds the table: the enum's CHECK must go before its column does.
        batch_op.drop_constraint(batch_op.f("ck_invitations_invitation_state"), type_="check")
        batch_op.drop_column("suppression_reasons")
        batch_op.drop_column("checks")
        batch_op.drop_column("send_at")
        batch_op.drop_column("state")
        batch_op.drop_column("trigger_rule_id")
        batch_op.drop_column("interaction_id")

    op.drop_table("trigger_rules")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_touchpoint_occurred")
        batch_op.drop_index("ix_interactions_contact_id")

    op.drop_table("interactions")
    op.drop_table("touchpoints")
    op.drop_table("journey_stages")
