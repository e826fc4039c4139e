"""payments.csv: reference,customer_code,date,amount[,invoice_number][,currency].

A payment's currency, when the row gives none: the currency of the invoice it names, else
the one it was stored with (a re-import changes nothing), else the single currency its
customer owes in, else the book currency. A payment naming an invoice in another
currency is a row error; a payment pays only receivables of its own currency
(ledger/allocation.py), the rest stays unapplied credit in that currency.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ledger.allocation import Allocator
from ledger.importers.base import (
    ImportResult,
    Row,
    RowError,
    RowReader,
    column_size,
    optional,
    parse_amount,
    parse_date,
    parse_optional_currency,
    required,
)
from ledger.importers.lookups import (
    customer_ids,
    invoices,
    open_currencies,
    payment_currencies,
)
from ledger.importers.upsert import existing_rows, upsert
from ledger.models import Payment

REQUIRED = ("reference", "customer_code", "date", "amount")
OPTIONAL = ("invoice_number", "currency")
REFERENCE_SIZE = column_size(Payment, "reference")  # a longer reference is a row error


def validate(
    session: Session,
    file: str,
    rows: list[Row],
    errors: list[RowError],
    date_format: str | None = None,
    *,
    book_currency: str = "CNY",
) -> list[dict[str, Any]]:
    customers = customer_ids(session, (r.values.get("customer_code", "").strip() for r in rows))
    named = invoices(
        session, {n for r in rows if (n := optional(r.values.get("invoice_number")))}
    )
    stored = payment_currencies(session, (r.values.get("reference", "").strip() for r in rows))
    owed = open_currencies(session, customers.values())
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in rows:
        reader = RowReader.of(file, row, errors)
        reference = reader.take("reference", required, limit=REFERENCE_SIZE)
        code = reader.take("customer_code", required)
        invoice = optional(row.values.get("invoice_number"))
        record = {
            "reference": reference,
            "customer_id": customers.get(code or ""),
            "date": reader.take("date", parse_date, date_format),
            "amount": reader.take("amount", parse_amount, allow_zero=False),
            "invoice_number": invoice,
        }
        given = reader.take("currency", parse_optional_currency)
        if code and code not in customers:
            reader.fail("customer_code", f"unknown customer {code!r}")
        invoiced_in = None
        if invoice is not None:
            owner, invoiced_in = named.get(invoice, (None, None))
            if owner is None:
                reader.fail("invoice_number", f"unknown invoice {invoice!r}")
            elif record["customer_id"] is not None and owner != record["customer_id"]:
                reader.fail("invoice_number", f"invoice {invoice!r} belongs to another customer")
            elif given is not None and given != invoiced_in:
                reader.fail("currency", f"currency mismatch: invoice {invoice!r} is in "
                                        f"{invoiced_in}, the payment in {given}")
        owes = owed.get(record["customer_id"], set())
        record["currency"] = (given or invoiced_in or stored.get(reference or "")
                              or (next(iter(owes)) if len(owes) == 1 else book_currency))
        reader.once("reference", reference, seen, "reference")
        if reader.ok:
            records.append(record)
    return records


def write(session: Session, records: list[dict[str, Any]], result: ImportResult) -> None:
    table = Payment.__table__
    stored = existing_rows(session, table, "reference", [r["reference"] for r in records])  # type: ignore[arg-type]
    outcome = upsert(session, table, "reference", records)  # type: ignore[arg-type]
    result.count(outcome)
    to_apply = set(outcome.inserted) | set(outcome.updated)
    if not to_apply:
        return
    pending = sorted(
        (r for r in records if r["reference"] in to_apply),
        key=lambda r: (r["date"], r["reference"]),
    )
    allocator = Allocator.for_customers(session, {r["customer_id"] for r in pending})
    for record in pending:
        payment_id = outcome.ids[record["reference"]]
        if record["reference"] in stored:
            allocator.reverse(payment_id)
        allocator.apply(
            payment_id,
            record["customer_id"],
            record["amount"],
            record["date"],
            record["invoice_number"],
            record["currency"],
        )
    result.touched_receivables.update(allocator.flush())
