"""The grouped queries the KPIs are made of; each returns integer cents or counts."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from ledger.reports.balances import grouped_balances
from ledger.reports.customer_set import CustomerSet, where
from ledger.reports.history import (
    R,
    W,
    cents,
    day,
    days_between,
    dialect_of,
    settlements,
)


def month_of(dialect: str, column: Any) -> ColumnElement[str]:
    """'YYYY-MM' of a date column."""
    if dialect == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def snapshot(session: Session, as_of: date, currency: str,
             customers: CustomerSet | None = None) -> tuple[int, int]:
    """(total AR, current AR) in cents on ``as_of``; current = not yet past due.

    One ungrouped pass with a conditional sum for the current part: no GROUP BY (SQLite
    sorts every row for one) and no WHERE on the due date (SQLite then walks the
    stage/due index row by row: measured 4x slower)."""
    not_due = R.c.due_date >= day(as_of)
    found = grouped_balances(session, as_of, [], currency, split=not_due,
                             where=where(customers, R.c.customer_id)).get((), (0, 0, 0))
    return found[0], found[2]


def receivables_at(session: Session, as_of: date, currency: str,
                   customers: CustomerSet | None = None) -> int:
    return grouped_balances(session, as_of, [], currency,
                            where=where(customers, R.c.customer_id)).get((), (0, 0))[0]


def credit_sales(session: Session, start: date, end: date, currency: str,
                 customers: CustomerSet | None = None) -> int:
    """Receivables issued in [start, end]: every invoice here is a sale on credit."""
    stmt = select(func.coalesce(func.sum(cents(R.c.amount)), 0)).where(
        R.c.issue_date >= day(start), R.c.issue_date <= day(end), R.c.currency == currency,
        *where(customers, R.c.customer_id),
    )
    return int(session.execute(stmt).scalar_one())


def monthly_sales(session: Session, start: date, end: date, currency: str,
                  customers: CustomerSet | None = None) -> dict[str, int]:
    """Credit sales per 'YYYY-MM' for invoices issued in [start, end].

    Grouped by the month string: measured faster on SQLite than one conditional sum per
    month in a single scan (0.2 s vs 1.2 s for 37 months of 200k invoices)."""
    month = month_of(dialect_of(session), R.c.issue_date)
    stmt = (
        select(month, func.sum(cents(R.c.amount)))
        .where(R.c.issue_date >= day(start), R.c.issue_date <= day(end), R.c.currency == currency,
               *where(customers, R.c.customer_id))
        .group_by(month)
    )
    return {str(key): int(total) for key, total in session.execute(stmt)}


def settled_in(session: Session, start: date, end: date, currency: str,
               customers: CustomerSet | None = None) -> tuple[int, int, int]:
    """(receivables settled in [start, end], of them on or before due, sum of days to pay)."""
    return settled_by_month(session, start, end, currency, per_month=False,
                            customers=customers).get("", (0, 0, 0))


def settled_by_month(
    session: Session, start: date, end: date, currency: str, per_month: bool = True,
    customers: CustomerSet | None = None,
) -> dict[str, tuple[int, int, int]]:
    """settled_in per 'YYYY-MM' of the settlement day (or all under "" if not per_month)."""
    done = settlements(start, end)
    dialect = dialect_of(session)
    on_time = case((done.c.settled_on <= done.c.due_date, 1), else_=0)
    to_pay = days_between(dialect, done.c.issue_date, done.c.settled_on)
    month = month_of(dialect, done.c.settled_on) if per_month else literal_column("''")
    stmt = select(
        month,
        func.count(),
        func.coalesce(func.sum(on_time), 0),
        func.coalesce(func.sum(to_pay), 0),
    ).where(
        done.c.settled_on >= day(start),
        done.c.settled_on <= day(end),
        done.c.currency == currency,
        *where(customers, done.c.customer_id),
    )
    if per_month:  # PostgreSQL refuses a constant in GROUP BY
        stmt = stmt.group_by(month)
    return {str(m): (int(n), int(t), int(d)) for m, n, t, d in session.execute(stmt)}


def written_off_in(session: Session, start: date, end: date, currency: str,
                   customers: CustomerSet | None = None) -> tuple[int, int]:
    """(approved write-offs, cents written off) in [start, end]."""
    return written_off_by_month(session, start, end, currency, per_month=False,
                                customers=customers).get("", (0, 0))


def written_off_by_month(
    session: Session, start: date, end: date, currency: str, per_month: bool = True,
    customers: CustomerSet | None = None,
) -> dict[str, tuple[int, int]]:
    """(approved write-offs, cents) per 'YYYY-MM' of the day each was approved: the amount
    each took off the balance (a partial write-off counts its part)."""
    month = month_of(dialect_of(session), W.c.decided_on) if per_month else literal_column("''")
    stmt = (
        select(month, func.count(), func.coalesce(func.sum(cents(W.c.amount)), 0))
        .select_from(W.join(R, R.c.id == W.c.receivable_id))
        .where(
            and_(W.c.status == "approved", W.c.decided_on >= day(start)),
            W.c.decided_on <= day(end),
            R.c.currency == currency,
            *where(customers, R.c.customer_id),
        )
    )
    if per_month:
        stmt = stmt.group_by(month)
    return {str(m): (int(n), int(c)) for m, n, c in session.execute(stmt)}
