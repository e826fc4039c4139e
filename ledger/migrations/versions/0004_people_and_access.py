"""People and access (users, API tokens, web sessions), policy drafts and who published
each policy version, scheduled report deliveries; indexes for a collector's worklist.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(),
                     nullable=False)


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _stamp("created_at"),
    )
    op.create_index("ix_app_user_name", "app_user", ["name"], unique=True)
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=64), nullable=False, unique=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _stamp("created_at"),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_token_token_hash", "api_token", ["token_hash"], unique=True)
    op.create_table(
        "web_session",
        sa.Column("id_hash", sa.String(length=64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        _stamp("created_at"),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"])
    op.create_table(
        "policy_draft",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        _stamp("uploaded_at"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("published_hash", sa.String(length=64), nullable=False),
        sa.Column("base_hash", sa.String(length=64), nullable=False),
    )
    op.create_table(
        "report_delivery",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
    )
    with op.batch_alter_table("policy_version") as batch:
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("published_by", sa.String(length=64), nullable=False,
                                   server_default=""))
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("at_risk", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("overdue_since", sa.Date(), nullable=True))
        batch.add_column(sa.Column("receivable_stage", sa.String(length=16), nullable=True))
    op.create_index("ix_task_worklist", "task",
                    ["status", "assignee", "due_date", "at_risk", "overdue_since",
                     "receivable_stage", "kind", "id"])
    op.create_index("ix_customer_collector", "customer", ["collector"])


def downgrade() -> None:
    op.drop_index("ix_customer_collector", table_name="customer")
    op.drop_index("ix_task_worklist", table_name="task")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("receivable_stage")
        batch.drop_column("overdue_since")
        batch.drop_column("at_risk")
    with op.batch_alter_table("policy_version") as batch:
        batch.drop_column("published_by")
        batch.drop_column("published_at")
    op.drop_table("policy_draft")
    op.drop_table("report_delivery")
    op.drop_index("ix_web_session_user_id", table_name="web_session")
    op.drop_table("web_session")
    op.drop_index("ix_api_token_token_hash", table_name="api_token")
    op.drop_table("api_token")
    op.drop_index("ix_app_user_name", table_name="app_user")
    op.drop_table("app_user")
