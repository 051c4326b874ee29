"""dispatch: leases, reminders, invitation timeline, outbox, periodic runs

Revision ID: dc93e028065a
Revises: 5d0c1e7a9b21
Create Date: 2026-11-23 02:44:41.180372+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dc93e028065a"
down_revision: str | None = "5d0c1e7a9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_messages_stored_at", ["stored_at"], unique=False)

    op.create_table(
        "periodic_runs",
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("worker_id", sa.String(length=120), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", "period", name=op.f("pk_periodic_runs")),
    )
    op.create_table(
        "invitation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("worker_id", sa.String(length=120), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_invitation_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_invitation_events_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation_events")),
    )
    with op.batch_alter_table("invitation_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_invitation_events_invitation", ["invitation_id", "occurred_at"], unique=False
        )

    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("last_error", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "reminder_state",
                sa.Enum(
                    "due",
                    "sending",
                    "sent",
                    "failed",
                    "uncertain",
                    "skipped",
                    name="reminder_state",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("reminder_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("reminder_attempts", sa.Integer(), nullable=False, server_default="0")
        )

    op.create_index("ix_invitations_reminder", "invitations", ["reminder_state", "reminder_due_at"])
    with op.batch_alter_table("suppressed_addresses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.String(length=500), nullable=True))


def downgrade() -> None:
    op.drop_index("ix_invitations_reminder", table_name="invitations")
    with op.batch_alter_table("suppressed_addresses", schema=None) as batch_op:
        batch_op.drop_column("detail")

    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_column("reminder_attempts")
        batch_op.drop_column("reminder_due_at")
        batch_op.drop_constraint("reminder_state", type_="check")
        batch_op.drop_column("reminder_state")
        batch_op.drop_column("sent_at")
        batch_op.drop_column("last_error")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("attempts")

    with op.batch_alter_table("invitation_events", schema=None) as batch_op:
        batch_op.drop_index("ix_invitation_events_invitation")

    op.drop_table("invitation_events")
    op.drop_table("periodic_runs")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_stored_at")

    op.drop_table("outbox_messages")
