"""payments.csv: reference,customer_code,date,amount[,invoice_number]."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ledger.allocation import Allocator
from ledger.importers.base import (
    ImportResult,
    RowError,
    RowReader,
    optional,
    parse_amount,
    parse_date,
    required,
)
from ledger.importers.lookups import customer_ids, invoice_owners
from ledger.importers.source import Row
from ledger.importers.upsert import existing_rows, upsert
from ledger.models import Payment

REQUIRED = ("reference", "customer_code", "date", "amount")
OPTIONAL = ("invoice_number",)


def validate(
    session: Session,
    file: str,
    rows: list[Row],
    errors: list[RowError],
    date_format: str | None = None,
) -> list[dict[str, Any]]:
    customers = customer_ids(session, (r.values.get("customer_code", "").strip() for r in rows))
    owners = invoice_owners(
        session, {n for r in rows if (n := optional(r.values.get("invoice_number")))}
    )
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in rows:
        reader = RowReader(file, row.number, row.values, errors)
        reference = reader.take("reference", required)
        code = reader.take("customer_code", required)
        invoice = optional(row.values.get("invoice_number"))
        record = {
            "reference": reference,
            "customer_id": customers.get(code or ""),
            "date": reader.take("date", parse_date, date_format),
            "amount": reader.take("amount", parse_amount, allow_zero=False),
            "invoice_number": invoice,
        }
        if code and code not in customers:
            reader.fail("customer_code", f"unknown customer {code!r}")
        if invoice is not None:
            owner = owners.get(invoice)
            if owner is None:
                reader.fail("invoice_number", f"unknown invoice {invoice!r}")
            elif record["customer_id"] is not None and owner != record["customer_id"]:
                reader.fail("invoice_number", f"invoice {invoice!r} belongs to another customer")
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
        )
    result.touched_receivables.update(allocator.flush())
