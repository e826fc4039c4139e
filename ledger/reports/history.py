"""The ledger as it stood on a past day, in SQL: the building block of every report.

A receivable's balance on day D is its balance today plus the allocations of payments
dated after D (they had not been paid yet) plus the write-offs approved after D (they had
not been written off yet). That is "amount less payments and write-offs up to D" for a
receivable whose every payment is in arflow, and it stays right for one imported with an
ERP balance (the part paid before the import has no date: it counts as paid from the
start). It exists on D if issued on or before D, and it is gone on D if written off on or
before D (a StageChange to ``written_off``: the write-off that left nothing). The ``stage``
column, which only describes today, is never read. For today's as-of the "after" parts are
nearly empty, so it is also fast. All money stays in integer cents inside SQL; callers
turn sums into Decimal.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, and_, cast, exists, func, literal, select
from sqlalchemy import type_coerce as coerce
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from ledger.models import Allocation, Customer, Payment, Receivable, StageChange, WriteOff

R = Receivable.__table__
A = Allocation.__table__
P = Payment.__table__
C = Customer.__table__
S = StageChange.__table__
W = WriteOff.__table__


def cents(column: Any) -> ColumnElement[int]:
    """A Money column as its stored integer cents, so SQL arithmetic stays exact."""
    return coerce(column, BigInteger)


def day(value: date) -> ColumnElement[date]:
    return literal(value, Date)


def days_between(dialect: str, start: Any, end: Any) -> ColumnElement[int]:
    """``end - start`` in whole days on SQLite and PostgreSQL."""
    if dialect == "sqlite":
        return cast(func.julianday(end) - func.julianday(start), Integer)
    return cast(end - start, Integer)


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def paid_after(as_of: date) -> Subquery:
    """Per receivable: cents allocated from payments dated after ``as_of``."""
    return (
        select(A.c.receivable_id, func.sum(cents(A.c.amount)).label("paid"))
        .select_from(A.join(P, P.c.id == A.c.payment_id))
        .where(P.c.date > day(as_of))
        .group_by(A.c.receivable_id)
        .subquery()
    )


def approved_after(as_of: date) -> ColumnElement[bool]:
    """A write-off (W) approved after ``as_of``: its amount was still owed on that day."""
    return and_(W.c.status == "approved", W.c.decided_on > day(as_of))


def written_off_after(as_of: date) -> Subquery:
    """Per receivable: cents written off by approvals dated after ``as_of``."""
    return (
        select(W.c.receivable_id, func.sum(cents(W.c.amount)).label("written"))
        .where(approved_after(as_of))
        .group_by(W.c.receivable_id)
        .subquery()
    )


def written_off_by(as_of: date) -> ColumnElement[bool]:
    """True for a receivable written off on or before ``as_of``."""
    return exists().where(
        and_(S.c.receivable_id == R.c.id, S.c.to_stage == "written_off", S.c.on_date <= day(as_of))
    )


def ever_written_off() -> ColumnElement[bool]:
    """True for a receivable written off (to ``written_off``) on any day. An uncorrelated
    IN: both databases hash the few written-off ids once instead of a look-up per row."""
    return R.c.id.in_(select(S.c.receivable_id).where(S.c.to_stage == "written_off"))


def outstanding(
    session: Session,
    as_of: date,
    currency: str | None = None,
    customer_ids: list[int] | None = None,
) -> Subquery:
    """Open receivables on ``as_of`` with their balance then (cents) and days past due.

    Columns: id, customer_id, currency, issue_date, due_date, amount, balance, days_past_due
    (negative when not yet due), and the customer's code, segment and collector.
    """
    paid, written = paid_after(as_of), written_off_after(as_of)
    balance = (cents(R.c.balance) + func.coalesce(paid.c.paid, 0)
               + func.coalesce(written.c.written, 0))
    stmt = (
        select(
            R.c.id,
            R.c.customer_id,
            R.c.currency,
            R.c.issue_date,
            R.c.due_date,
            cents(R.c.amount).label("amount"),
            balance.label("balance"),
            days_between(dialect_of(session), R.c.due_date, day(as_of)).label("days_past_due"),
            C.c.code.label("customer"),
            C.c.segment.label("segment"),
            C.c.collector.label("collector"),
        )
        .select_from(
            R.outerjoin(paid, paid.c.receivable_id == R.c.id)
            .outerjoin(written, written.c.receivable_id == R.c.id)
            .join(C, C.c.id == R.c.customer_id)
        )
        .where(R.c.issue_date <= day(as_of), balance > 0, ~written_off_by(as_of))
    )
    if currency is not None:
        stmt = stmt.where(R.c.currency == currency)
    if customer_ids is not None:
        stmt = stmt.where(R.c.customer_id.in_(customer_ids))
    return stmt.subquery()


def settlements(paid_from: date | None = None, paid_to: date | None = None) -> Subquery:
    """Receivables paid off by payments, with the day the last one did it (settled_on).

    Settled means the balance is zero, at least one payment was allocated to it and it
    was not written off (a write-off that left nothing is a loss, not a payment: part-paid
    and the rest written off is not settled); ``settled_on`` is the latest of those
    payments' dates. A receivable cleared only by an ERP balance (no dated payment) has no
    settlement date and is not here.
    With ``paid_from``/``paid_to`` only receivables with a payment dated in that range are
    considered (a settlement in the range needs one): the rest are never grouped.
    """
    stmt = (
        select(
            R.c.id,
            R.c.customer_id,
            R.c.currency,
            R.c.issue_date,
            R.c.due_date,
            cents(R.c.amount).label("amount"),
            func.max(P.c.date).label("settled_on"),
        )
        .select_from(R.join(A, A.c.receivable_id == R.c.id).join(P, P.c.id == A.c.payment_id))
        .where(cents(R.c.balance) == 0, ~ever_written_off())
        .group_by(R.c.id, R.c.customer_id, R.c.currency, R.c.issue_date, R.c.due_date, R.c.amount)
    )
    if paid_from is not None and paid_to is not None:
        in_range = (
            select(A.c.receivable_id)
            .select_from(A.join(P, P.c.id == A.c.payment_id))
            .where(P.c.date >= day(paid_from), P.c.date <= day(paid_to))
        )
        stmt = stmt.where(R.c.id.in_(in_range))
    return stmt.subquery()
