"""Advance receipts (预收账款) in the database: Payment rows of kind 'prepayment'.

A prepayment arrives before its invoice, so its whole amount starts unapplied; it is
applied later with the same Allocator the payment import uses (ledger/allocation.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, literal, select
from sqlmodel import Session

from ledger.allocation import Allocator
from ledger.facts import days_between
from ledger.models import Customer, Payment, SalesOrder

KIND = "prepayment"


def reference_taken(session: Session, reference: str) -> bool:
    stmt = select(Payment.id).where(Payment.reference == reference)
    return session.execute(stmt).first() is not None


def add_prepayment(
    session: Session,
    customer_id: int,
    reference: str,
    on: date,
    amount: Decimal,
    order_id: int | None,
    currency: str = "CNY",
) -> Payment:
    payment = Payment(
        currency=currency,
        reference=reference,
        customer_id=customer_id,
        date=on,
        amount=amount,
        unapplied=amount,
        kind=KIND,
        order_id=order_id,
    )
    session.add(payment)
    session.flush()
    return payment


def by_reference(session: Session, reference: str) -> Payment:
    stmt = select(Payment).where(Payment.reference == reference, Payment.kind == KIND)
    payment = session.execute(stmt).scalar_one_or_none()
    if payment is None:
        raise LookupError(f"no prepayment {reference!r}")
    return payment


def linked_unapplied(session: Session, order_id: int) -> list[Payment]:
    """An order's prepayments with money left to apply, oldest first."""
    stmt = (
        select(Payment)
        .where(Payment.order_id == order_id, Payment.kind == KIND, Payment.unapplied > 0)
        .order_by(Payment.date, Payment.id)  # type: ignore[arg-type]
    )
    return list(session.execute(stmt).scalars())


def allocate(
    session: Session, payment: Payment, invoice_number: str, on: date
) -> tuple[Decimal, dict[int, date | None]]:
    """Apply what is unapplied of ``payment`` to one invoice of its customer.

    Returns (the amount applied, the receivables touched for settle_paid).
    """
    allocator = Allocator.for_customers(session, {payment.customer_id})
    item = allocator.by_number.get(invoice_number)
    if item is None:
        raise ValueError(f"invoice {invoice_number!r} is not an open receivable of this customer")
    if item.balance <= 0:
        raise ValueError(f"invoice {invoice_number!r} has nothing left to pay")
    before = payment.unapplied
    left = allocator.apply(payment.id or 0, payment.customer_id, before, on, invoice_number)
    touched = allocator.flush()
    session.refresh(payment)
    return before - left, touched


def unapplied(session: Session, as_of: date, customer: str | None = None
              ) -> list[dict[str, Any]]:
    """Prepayments with money still unapplied, with their age in days on ``as_of``."""
    p = Payment.__table__
    c = Customer.__table__
    o = SalesOrder.__table__
    age = days_between(session, p.c.date, literal(as_of, Date))
    stmt = (
        select(
            p.c.reference,
            c.c.code,
            o.c.number.label("order"),
            p.c.date,
            p.c.amount,
            p.c.unapplied,
            age.label("age_days"),
        )
        .select_from(p.join(c, c.c.id == p.c.customer_id).outerjoin(o, o.c.id == p.c.order_id))
        .where(p.c.kind == KIND, p.c.unapplied > 0)
        .order_by(p.c.date, p.c.id)
    )
    if customer is not None:
        stmt = stmt.where(c.c.code == customer)
    return [
        {
            "reference": row.reference,
            "customer": row.code,
            "order": row.order,
            "date": row.date,
            "amount": row.amount,
            "unapplied": row.unapplied,
            "age_days": int(row.age_days),
        }
        for row in session.execute(stmt)
    ]


def stale_by_customer(session: Session, as_of: date, days: int) -> dict[int, list[str]]:
    """Customers holding a prepayment unapplied for more than ``days``: id -> references."""
    p = Payment.__table__
    stmt = (
        select(p.c.customer_id, p.c.reference)
        .where(p.c.kind == KIND, p.c.unapplied > 0, p.c.date < as_of - timedelta(days=days))
        .order_by(p.c.customer_id, p.c.date, p.c.id)
    )
    stale: dict[int, list[str]] = {}
    for row in session.execute(stmt):
        stale.setdefault(row.customer_id, []).append(row.reference)
    return stale
