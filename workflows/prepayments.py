"""Advance receipts (预收账款): record a prepayment, apply it to an invoice, audit both.

A prepayment linked to an open order lowers that order's exposure; once applied to the
invoice it lowers the invoice's balance instead (ledger/facts.open_orders_exposure), so
the money is counted once. Applying settles the invoice when its balance reaches zero.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from engine.currency import UnknownCurrency, normalize_currency
from ledger import order_store, receivable_store
from ledger import prepayments as store
from ledger.audit import AuditEntry, write_audit
from ledger.db import Session
from ledger.models import Payment
from workflows.actions import settle_paid
from workflows.errors import Invalid, Refused

DEFAULT_WARNING_DAYS = 30  # policy `prepayments: {warning_days: N}` overrides it
_REFERENCE = re.compile(r"\S{1,64}")


def record(
    session: Session,
    code: str,
    amount: Decimal,
    reference: str,
    on: date,
    actor: str,
    order_number: str | None = None,
    currency: str | None = None,
) -> Payment:
    """A prepayment received from customer ``code`` (optionally for an order), in the
    order's currency, else ``currency`` (default CNY): it only ever pays invoices of its
    own currency."""
    if not _REFERENCE.fullmatch(reference):
        raise Invalid(f"reference must be 1-64 characters without spaces: {reference!r}",
                      field="reference")
    if amount <= 0:
        raise Invalid(f"amount must be more than 0, got {amount}", field="amount")
    customer = order_store.customer_by_code(session, code)
    order = None
    if order_number is not None:
        order = order_store.order_by_number(session, order_number)
        if order.customer_id != customer.id:
            raise Invalid(f"order {order_number} is not an order of {code}", field="order")
        if order.status in ("rejected", "cancelled"):
            raise Refused(f"order {order_number} is {order.status}", code="order_closed",
                          field="order")
    try:
        named = normalize_currency(currency) if currency is not None else None
    except UnknownCurrency as exc:
        raise Invalid(str(exc), field="currency") from None
    if order is not None:  # in the order's currency; another one named is refused
        if named is not None and named != order.currency:
            raise Invalid(f"the order is in {order.currency}, the prepayment in {named}",
                          field="currency")
        named = order.currency
    currency = named or "CNY"
    if store.reference_taken(session, reference):
        raise Refused(f"payment reference {reference!r} already exists",
                      code="reference_taken", field="reference")
    payment = store.add_prepayment(session, customer.id or 0, reference, on, amount,
                                   order.id if order is not None else None, currency)
    write_audit(session, [AuditEntry(
        on, actor, "prepayment_received", "payment", payment.id, reference,
        details={"customer": code, "amount": str(amount), "currency": currency,
                 "order": order_number},
    )])
    return payment



def apply(
    session: Session, reference: str, invoice_number: str, on: date, actor: str
) -> Decimal:
    """Apply what is left of prepayment ``reference`` to an invoice; return the amount."""
    payment = store.by_reference(session, reference)
    if payment.unapplied <= 0:
        raise Refused(f"prepayment {reference} is fully applied", code="fully_applied")
    return apply_payment(session, payment, invoice_number, on, actor)


def apply_payment(
    session: Session, payment: Payment, invoice_number: str, on: date, actor: str
) -> Decimal:
    receivable = receivable_store.find_receivable(session, invoice_number)
    if receivable is not None and receivable.currency != payment.currency:
        raise Invalid(f"invoice {invoice_number} is in {receivable.currency}, the prepayment "
                      f"{payment.reference} in {payment.currency}", field="invoice",
                      code="currency_mismatch")
    applied, touched = store.allocate(session, payment, invoice_number, on)
    settle_paid(session, touched, on, actor)
    write_audit(session, [AuditEntry(
        on, actor, "prepayment_applied", "payment", payment.id, payment.reference,
        details={"invoice": invoice_number, "applied": str(applied),
                 "unapplied": str(payment.unapplied)},
    )])
    return applied
