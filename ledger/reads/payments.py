"""Payments: the listing (customer; scope, paging), one payment, and allocations (what a
payment paid, or what paid a receivable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import Session

from ledger.models import Allocation, Customer, Payment, Receivable
from ledger.reads.paging import page, scoped

C, P, R = Customer.__table__, Payment.__table__, Receivable.__table__


@dataclass(frozen=True)
class PaymentRow:
    id: int
    reference: str
    customer_code: str
    collector: str | None
    date: date
    amount: Decimal
    unapplied: Decimal
    invoice_number: str | None
    kind: str
    currency: str  # of amount and unapplied; it pays only receivables in it


@dataclass(frozen=True)
class AllocationRow:
    invoice: str
    reference: str
    date: date
    amount: Decimal


def _select() -> Select[Any]:
    return select(P, C.c.code.label("customer_code"), C.c.collector).select_from(
        P.join(C, C.c.id == P.c.customer_id))


def _row(row: Any) -> PaymentRow:
    return PaymentRow(id=row.id, reference=row.reference, customer_code=row.customer_code,
                      collector=row.collector, date=row.date, amount=row.amount,
                      unapplied=row.unapplied, invoice_number=row.invoice_number,
                      kind=row.kind, currency=row.currency)


def listing(session: Session, *, scope: str | None = None, customer: str | None = None,
            limit: int | None = None, offset: int = 0) -> tuple[list[PaymentRow], int]:
    """Newest first (by date, then reference)."""
    stmt = scoped(_select(), scope).order_by(P.c.date.desc(), P.c.reference)
    if customer is not None:
        stmt = stmt.where(C.c.code == customer)
    rows, total = page(session, stmt, limit, offset)
    return [_row(r) for r in rows], total


def one(session: Session, reference: str) -> PaymentRow | None:
    row = session.execute(_select().where(P.c.reference == reference)).first()
    return None if row is None else _row(row)


def allocations(session: Session, *, payment_id: int | None = None,
                receivable_id: int | None = None) -> list[AllocationRow]:
    """By payment date, then as allocated."""
    a = Allocation.__table__
    stmt = (select(R.c.number.label("invoice"), P.c.reference, P.c.date, a.c.amount)
            .select_from(a.join(R, R.c.id == a.c.receivable_id)
                         .join(P, P.c.id == a.c.payment_id))
            .order_by(P.c.date, a.c.id))
    if payment_id is not None:
        stmt = stmt.where(a.c.payment_id == payment_id)
    if receivable_id is not None:
        stmt = stmt.where(a.c.receivable_id == receivable_id)
    return [AllocationRow(invoice=r.invoice, reference=r.reference, date=r.date,
                          amount=r.amount) for r in session.execute(stmt)]
