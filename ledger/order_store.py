"""Sales orders in the database: look-ups and listings (workflows/orders.py decides)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from ledger.models import Customer, Receivable, SalesOrder
from ledger.rows import one_by


def customer_by_code(session: Session, code: str, *, lock: bool = False) -> Customer:
    """``lock``: hold the customer's row (PostgreSQL) so two orders are checked in turn."""
    return one_by(session, Customer, Customer.code, code, f"no customer {code!r}", lock=lock)


def order_by_number(session: Session, number: str, *, lock: bool = False) -> SalesOrder:
    return one_by(session, SalesOrder, SalesOrder.number, number, f"no order {number!r}",
                  lock=lock)


def order_exists(session: Session, number: str) -> bool:
    stmt = select(SalesOrder.id).where(SalesOrder.number == number)
    return session.execute(stmt).first() is not None


def customer_collector(session: Session, code: str) -> str | None:
    """The collector assigned to the customer ``code`` (None: none assigned, or no such
    customer: a caller that must not tell the two apart need not)."""
    stmt = select(Customer.collector).where(Customer.code == code)
    return session.execute(stmt).scalar_one_or_none()


def order_with_customer(session: Session, number: str
                        ) -> tuple[SalesOrder, str, str | None] | None:
    """The order ``number`` with its customer's code and collector, if it exists."""
    row = session.execute(
        select(SalesOrder, Customer.code, Customer.collector)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(SalesOrder.number == number)
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def receivable_by_number(session: Session, number: str) -> Receivable:
    stmt = select(Receivable).where(Receivable.number == number)
    receivable = session.execute(stmt).scalar_one_or_none()
    if receivable is None:
        raise LookupError(f"no invoice {number!r} (import it first)")
    return receivable


def invoice_linked(session: Session, invoice_number: str) -> str | None:
    """The order already invoiced as ``invoice_number``, if any (one order per invoice)."""
    stmt = select(SalesOrder.number).where(SalesOrder.invoice_number == invoice_number)
    return session.execute(stmt).scalar_one_or_none()


def list_orders(session: Session, status: str | None = None) -> list[dict[str, object]]:
    """Orders with their customer code, newest first."""
    stmt = (
        select(SalesOrder, Customer.code)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .order_by(SalesOrder.created_on.desc(), SalesOrder.id.desc())  # type: ignore[union-attr]
    )
    if status is not None:
        stmt = stmt.where(SalesOrder.status == status)
    return [
        {
            "number": order.number,
            "customer": code,
            "amount": order.amount,
            "currency": order.currency,
            "status": order.status,
            "decision": order.decision,
            "fired": list(order.fired),
            "exposure_after": order.exposure_after,
            "prepayment_amount": order.prepayment_amount,
            "created_on": order.created_on,
            "decided_on": order.decided_on,
            "decided_by": order.decided_by,
            "invoice_number": order.invoice_number,
        }
        for order, code in session.execute(stmt)
    ]


def insured_limits(session: Session) -> dict[int, Decimal]:
    """Customers with trade credit insurance: id -> insured limit."""
    c = Customer.__table__
    stmt = select(c.c.id, c.c.insured_limit).where(c.c.insured_limit.is_not(None))
    return {row.id: row.insured_limit for row in session.execute(stmt)}
