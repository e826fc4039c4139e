"""Reminders and mail delivery: pausing, rendered outbox messages with leases, superseded steps.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customer") as batch:
        batch.add_column(
            sa.Column("reminders_paused", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("pause_reason", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("cc", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("step", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("subject", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("body_text", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("body_html", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("message_id", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("claimed_by", sa.String(length=64), nullable=False, server_default="")
        )
        batch.create_index("ix_outbox_due", ["status", "for_date"])
    with op.batch_alter_table("reminder") as batch:
        batch.add_column(
            sa.Column("superseded", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("reminder") as batch:
        batch.drop_column("superseded")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_due")
        for column in (
            "claimed_by",
            "lease_until",
            "next_attempt_at",
            "message_id",
            "body_html",
            "body_text",
            "subject",
            "step",
            "cc",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("customer") as batch:
        batch.drop_column("pause_reason")
        batch.drop_column("reminders_paused")
