"""Writing the demo portfolio as the CSV files an ERP would export.

The demo goes through CSV on purpose: importing these files exercises the same path a
real customer's data takes (validation, upsert, payment allocation).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from arflow.demo.contacts import DemoContact
from arflow.demo.payments import DemoPayment
from arflow.demo.portfolio import DemoCustomer, DemoInvoice

CUSTOMER_COLUMNS = ("code", "name", "email", "language", "segment", "country", "credit_limit",
                    "payment_terms_days", "collector")
CONTACT_COLUMNS = ("customer_code", "name", "role", "phone", "mobile", "email", "wechat",
                   "language", "billing")
RECEIVABLE_COLUMNS = ("number", "customer_code", "issue_date", "due_date", "amount", "currency")
PAYMENT_COLUMNS = ("reference", "customer_code", "date", "amount", "invoice_number")


def money(cents: int) -> str:
    """Cents as an exact decimal string (no float ever touches an amount)."""
    return f"{cents // 100}.{cents % 100:02d}"


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[object]]) -> Path:
    """UTF-8, no BOM, ``\\n`` line ends: the same bytes on every platform."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_customers(path: Path, customers: list[DemoCustomer]) -> Path:
    return write_csv(path, CUSTOMER_COLUMNS, (
        (c.code, c.name, c.email, c.language, c.segment, c.country,
         "" if c.credit_limit is None else c.credit_limit, c.terms, c.collector)
        for c in customers))


def write_contacts(path: Path, contacts: list[DemoContact]) -> Path:
    return write_csv(path, CONTACT_COLUMNS, (
        (c.customer_code, c.name, c.role, c.phone, c.mobile, c.email, c.wechat, c.language,
         "yes" if c.billing else "no")
        for c in contacts))


def write_receivables(path: Path, invoices: list[DemoInvoice]) -> Path:
    return write_csv(path, RECEIVABLE_COLUMNS, (
        (i.number, i.customer.code, i.issue.isoformat(), i.due.isoformat(), money(i.cents),
         i.customer.currency)
        for i in invoices))


def write_payments(path: Path, payments: list[DemoPayment]) -> Path:
    return write_csv(path, PAYMENT_COLUMNS, (
        (p.reference, p.customer_code, p.day.isoformat(), money(p.cents), p.invoice_number or "")
        for p in payments))
