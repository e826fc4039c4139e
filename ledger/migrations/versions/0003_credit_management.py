"""Credit management: the credit file, guarantees, its history, orders, prepayments;
at most one open warning per rule and subject; the balance a promise was made against.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "uq_warning_open",
        "warning",
        ["rule_id", "scope", "subject"],
        unique=True,
        sqlite_where=sa.text("closed_on IS NULL"),
        postgresql_where=sa.text("closed_on IS NULL"),
    )
    with op.batch_alter_table("customer") as batch:
        batch.add_column(sa.Column("score", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("rated_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("prepayment_ratio", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("insured_limit", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("limit_override", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("override_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("override_until", sa.Date(), nullable=True))
    op.create_table(
        "guarantee",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
    )
    op.create_index("ix_guarantee_customer_id", "guarantee", ["customer_id"])
    op.create_table(
        "credit_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("field_name", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_credit_change_customer_id", "credit_change", ["customer_id"])
    op.create_table(
        "sales_order",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("fired", sa.JSON(), nullable=False),
        sa.Column("exposure_after", sa.BigInteger(), nullable=False),
        sa.Column("prepayment_amount", sa.BigInteger(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("invoice_number", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_sales_order_number", "sales_order", ["number"], unique=True)
    op.create_index("ix_sales_order_customer_id", "sales_order", ["customer_id"])
    op.create_index("ix_sales_order_status", "sales_order", ["status"])
    with op.batch_alter_table("promise") as batch:
        batch.add_column(sa.Column("balance_at_promise", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("payment") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="payment")
        )
        batch.add_column(sa.Column("order_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_payment_order_id", "sales_order", ["order_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("promise") as batch:
        batch.drop_column("balance_at_promise")
    op.drop_index("uq_warning_open", table_name="warning")
    with op.batch_alter_table("payment") as batch:
        batch.drop_constraint("fk_payment_order_id", type_="foreignkey")
        batch.drop_column("order_id")
        batch.drop_column("kind")
    op.drop_table("sales_order")
    op.drop_table("credit_change")
    op.drop_table("guarantee")
    with op.batch_alter_table("customer") as batch:
        for column in (
            "override_until",
            "override_reason",
            "limit_override",
            "insured_limit",
            "prepayment_ratio",
            "rated_on",
            "score",
        ):
            batch.drop_column(column)
