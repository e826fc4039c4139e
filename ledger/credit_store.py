"""What credit management reads and writes: credit files, their history, guarantees.

Reads are one query per kind of thing (all customers at once for a review); writes go in
bulk, so a review of the whole portfolio is a few statements whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, case, func, select, type_coerce, update
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES
from ledger.bulk import execute_many
from ledger.models import (
    Activity,
    CreditChange,
    Customer,
    Guarantee,
    Payment,
    Receivable,
    SalesOrder,
)
from ledger.money import Money

OPEN_ORDER_STATUSES = ("approved", "prepay", "held")
# the credit file's fields a review or an override may change
FILE_FIELDS = (
    "rating",
    "score",
    "credit_limit",
    "payment_terms_days",
    "prepayment_ratio",
    "limit_override",
    "override_reason",
    "override_until",
)


@dataclass
class CreditFile:
    """A customer's credit file as stored (the inputs and outputs of a review)."""

    id: int
    code: str
    rating: str | None
    score: Decimal | None
    rated_on: date | None
    credit_limit: Decimal | None
    payment_terms_days: int | None
    prepayment_ratio: Decimal
    limit_override: Decimal | None
    override_reason: str
    override_until: date | None

    def value(self, name: str) -> Any:
        return getattr(self, name)


def credit_files(session: Session, code: str | None = None) -> list[CreditFile]:
    """All customers' credit files (or one by code; LookupError if there is none)."""
    c = Customer.__table__
    stmt = select(c.c.id, c.c.code, c.c.rating, c.c.score, c.c.rated_on, c.c.credit_limit,
                  c.c.payment_terms_days, c.c.prepayment_ratio, c.c.limit_override,
                  c.c.override_reason, c.c.override_until).order_by(c.c.id)
    if code is not None:
        stmt = stmt.where(c.c.code == code)
    files = [CreditFile(*row) for row in session.execute(stmt)]
    if code is not None and not files:
        raise LookupError(f"no customer {code!r}")
    return files


def update_files(session: Session, rows: list[dict[str, Any]]) -> None:
    """rows: {cid, rated_on, and every field of FILE_FIELDS}: one bulk UPDATE."""
    if not rows:
        return
    t = Customer.__table__
    stmt = (
        update(t)
        .where(t.c.id == bindparam("cid"))
        .values(rated_on=bindparam("rated_on"), updated_at=func.now(),
                **{name: bindparam(name) for name in FILE_FIELDS})
    )
    execute_many(session, stmt, rows)


def insert_changes(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_rows(session, CreditChange.__table__, rows)


def insert_rows(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Bulk insert in the session's transaction: COPY on PostgreSQL (executemany there costs
    some 60 µs a row: 6 s for a portfolio's review history), executemany on SQLite."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        execute_many(session, table.insert(), rows)
        return
    names = list(rows[0])
    processors = [(name, table.c[name].type._cached_bind_processor(dialect)) for name in names]
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
        f"COPY {dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row([
                process(row[name]) if process is not None and row[name] is not None
                else row[name]
                for name, process in processors
            ])


def customer_id(session: Session, code: str) -> int:
    found = session.execute(select(Customer.id).where(Customer.code == code)).scalar()
    if found is None:
        raise LookupError(f"no customer {code!r}")
    return found


def exposure(session: Session, cid: int, as_of: date) -> dict[str, Any]:
    """Open and overdue balance, open orders and unapplied payments of one customer."""
    r, o, p = Receivable.__table__, SalesOrder.__table__, Payment.__table__
    open_ar = session.execute(
        select(
            type_coerce_money(func.coalesce(func.sum(r.c.balance), 0)),
            type_coerce_money(
                func.coalesce(func.sum(_when(r.c.due_date < as_of, r.c.balance)), 0)
            ),
        ).where(r.c.customer_id == cid, r.c.stage.in_(ACTIVE_STAGES), r.c.balance > 0)
    ).one()
    orders = session.execute(
        select(func.count(), type_coerce_money(func.coalesce(func.sum(o.c.amount), 0))).where(
            o.c.customer_id == cid, o.c.status.in_(OPEN_ORDER_STATUSES)
        )
    ).one()
    unapplied = session.execute(
        select(type_coerce_money(func.coalesce(func.sum(p.c.unapplied), 0))).where(
            p.c.customer_id == cid
        )
    ).scalar_one()
    return {
        "open_balance": open_ar[0],
        "overdue_balance": open_ar[1],
        "open_orders": int(orders[0]),
        "open_orders_amount": orders[1],
        "unapplied_credit": unapplied,
    }


def type_coerce_money(expression: Any) -> Any:
    return type_coerce(expression, Money())


def _when(condition: Any, value: Any) -> Any:
    return case((condition, value), else_=0)


def guarantees(session: Session, cid: int) -> list[Guarantee]:
    stmt = select(Guarantee).where(Guarantee.customer_id == cid).order_by(Guarantee.id)
    return list(session.execute(stmt).scalars())


def history(session: Session, cid: int) -> list[CreditChange]:
    stmt = (
        select(CreditChange)
        .where(CreditChange.customer_id == cid)
        .order_by(CreditChange.on_date, CreditChange.id)
    )
    return list(session.execute(stmt).scalars())


def last_review(session: Session, cid: int) -> Activity | None:
    """The latest scorecard review written for the customer (its factor breakdown)."""
    stmt = (
        select(Activity)
        .where(Activity.entity == "customer", Activity.entity_id == cid,
               Activity.action == "credit_review")
        .order_by(Activity.on_date.desc(), Activity.id.desc())  # type: ignore[attr-defined]
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()
