"""Money in: bank statement lines and their matches, payer aliases learned from
confirmed matches, exchange rates, a currency on every payment, and each receivable's
number key (the number as remittance texts are matched on).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from engine.currency import UnknownCurrency, normalize_currency
from engine.invoice_numbers import number_key

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def _stamp() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                     nullable=False)


def upgrade() -> None:
    op.create_table(
        "fx_rate",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("rate", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        _stamp(),
        sa.UniqueConstraint("currency", "on_date", name="uq_fx_rate_day"),
    )
    op.create_table(
        "bank_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("bank_ref", sa.String(128), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payer_name", sa.String(200), nullable=False),
        sa.Column("payer_account", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=True),
        sa.Column("charges", sa.BigInteger(), nullable=False),
        sa.Column("source_file", sa.String(255), nullable=False),
        sa.Column("imported_on", sa.Date(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=True),
        sa.Column("applied_by", sa.String(64), nullable=False),
        _stamp(),
    )
    op.create_index("ix_bank_line_fingerprint", "bank_line", ["fingerprint"], unique=True)
    op.create_index("ix_bank_line_date", "bank_line", ["date"])
    op.create_index("ix_bank_line_status", "bank_line", ["status"])
    op.create_index("ix_bank_line_customer_id", "bank_line", ["customer_id"])
    op.create_table(
        "bank_match",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("line_id", sa.Integer(), sa.ForeignKey("bank_line.id"), nullable=False),
        sa.Column("option", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=True),
        sa.Column("receivable_id", sa.Integer(), sa.ForeignKey("receivable.id"), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("charges", sa.BigInteger(), nullable=False),
        sa.Column("confidence", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        _stamp(),
    )
    op.create_index("ix_bank_match_line_id", "bank_match", ["line_id"])
    op.create_index("ix_bank_match_receivable_id", "bank_match", ["receivable_id"])
    op.create_table(
        "payer_alias",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.UniqueConstraint("kind", "value", name="uq_payer_alias"),
    )
    op.create_index("ix_payer_alias_customer_id", "payer_alias", ["customer_id"])

    # plain ADD COLUMNs: payment and receivable are referenced by other tables' keys
    op.add_column("payment", sa.Column("currency", sa.String(3), nullable=False,
                                       server_default="CNY"))
    # no foreign key: SQLite can add such a column but never drop it again
    op.add_column("payment", sa.Column("bank_line_id", sa.Integer(), nullable=True))
    op.create_index("ix_payment_bank_line_id", "payment", ["bank_line_id"])
    op.add_column("receivable", sa.Column("number_key", sa.String(64), nullable=False,
                                          server_default=""))
    _backfill()
    op.create_index("ix_receivable_number_key", "receivable", ["number_key"])


CURRENCY_TABLES = ("receivable", "sales_order", "guarantee")


def _backfill() -> None:
    """Keys for the receivables already there; currencies as typed before this release
    (``RMB``, ``rmb``, ``¥``) read into their ISO code, so one currency is one book; each
    payment takes the currency of the invoices it paid, else its customer's only
    currency, else CNY (the default book currency)."""
    conn = op.get_bind()
    for name in CURRENCY_TABLES:
        table = sa.table(name, sa.column("currency", sa.String()))
        for (typed,) in conn.execute(sa.select(table.c.currency).distinct()).all():
            try:
                code = normalize_currency(typed or "")
            except UnknownCurrency:
                continue  # left as it is: the importers now refuse such a value
            if code != typed:
                conn.execute(table.update().where(table.c.currency == typed)
                             .values(currency=code))
    receivable = sa.table("receivable", sa.column("id", sa.Integer()),
                          sa.column("number", sa.String()), sa.column("number_key", sa.String()))
    last = 0
    while True:
        rows = conn.execute(sa.select(receivable.c.id, receivable.c.number)
                            .where(receivable.c.id > last).order_by(receivable.c.id)
                            .limit(BATCH)).all()
        if not rows:
            break
        conn.execute(receivable.update().where(receivable.c.id == sa.bindparam("rid"))
                     .values(number_key=sa.bindparam("key")),
                     [{"rid": r.id, "key": number_key(r.number)} for r in rows])
        last = rows[-1].id
    conn.execute(sa.text(
        "UPDATE payment SET currency = (SELECT MIN(r.currency) FROM allocation a "
        "JOIN receivable r ON r.id = a.receivable_id WHERE a.payment_id = payment.id) "
        "WHERE EXISTS (SELECT 1 FROM allocation a WHERE a.payment_id = payment.id)"))
    # money that paid nothing yet (an advance, an overpayment): its customer's currency
    # when it invoices in one only
    conn.execute(sa.text(
        "UPDATE payment SET currency = (SELECT MIN(r.currency) FROM receivable r "
        "WHERE r.customer_id = payment.customer_id) "
        "WHERE NOT EXISTS (SELECT 1 FROM allocation a WHERE a.payment_id = payment.id) "
        "AND (SELECT COUNT(DISTINCT r.currency) FROM receivable r "
        "WHERE r.customer_id = payment.customer_id) = 1"))


def downgrade() -> None:
    op.drop_index("ix_receivable_number_key", "receivable")
    op.drop_column("receivable", "number_key")
    op.drop_index("ix_payment_bank_line_id", "payment")
    op.drop_column("payment", "bank_line_id")
    op.drop_column("payment", "currency")
    op.drop_table("payer_alias")
    op.drop_table("bank_match")
    op.drop_table("bank_line")
    op.drop_table("fx_rate")
