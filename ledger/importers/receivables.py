"""receivables.csv: number,customer_code,issue_date,due_date,amount,currency[,balance]
[,settled_date][,disputed].

A foreign AR export carries history: ``settled_date`` makes a payment of the full amount
on that day (reference ``SETTLED:<number>``, so a re-import adds nothing) and ``disputed``
(是/否, Y/N, 1/0 …) asks the caller to open a dispute through workflows (the ledger does
not change stages). A settled row's dispute flag is history and opens nothing."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, type_coerce
from sqlmodel import Session

from engine.stages import OPEN_STAGES
from ledger.bulk import chunks
from ledger.importers import payments
from ledger.importers.base import (
    ImportResult,
    Row,
    RowError,
    RowReader,
    column_size,
    parse_amount,
    parse_currency,
    parse_date,
    parse_flag,
    parse_optional_amount,
    parse_optional_date,
    required,
)
from ledger.importers.lookups import customer_ids
from ledger.importers.upsert import existing_rows, upsert
from ledger.models import Allocation, Receivable, WriteOff
from ledger.money import Money

REQUIRED = ("number", "customer_code", "issue_date", "due_date", "amount")
OPTIONAL = ("currency", "balance", "settled_date", "disputed")
NUMBER_SIZE = column_size(Receivable, "number")  # a longer number is a row error


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
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in rows:
        reader = RowReader.of(file, row, errors)
        number = reader.take("number", required, limit=NUMBER_SIZE)
        code = reader.take("customer_code", required)
        issue = reader.take("issue_date", parse_date, date_format)
        due = reader.take("due_date", parse_date, date_format)
        amount = reader.take("amount", parse_amount)
        balance = reader.take("balance", parse_optional_amount)
        settled = reader.take("settled_date", parse_optional_date, date_format)
        disputed = reader.take("disputed", parse_flag)
        record: dict[str, Any] = {
            "number": number,
            "customer_id": customers.get(code or ""),
            "issue_date": issue,
            "due_date": due,
            "amount": amount,
            "currency": reader.take("currency", parse_currency, book_currency),
        }
        if code and code not in customers:
            reader.fail("customer_code", f"unknown customer {code!r}")
        if issue and due and due < issue:
            reader.fail("due_date", f"due date {due} is before issue date {issue}")
        if balance is not None and amount is not None and balance > amount:
            reader.fail("balance", f"balance {balance} exceeds amount {amount}")
        if settled and issue and settled < issue:
            reader.fail("settled_date", f"settled date {settled} is before issue date {issue}")
        if settled and balance:
            reader.fail("balance", f"a row settled on {settled} has no balance left: {balance}")
        reader.once("number", number, seen, "invoice number")
        if reader.ok:
            record["balance"] = balance
            record["_settled"] = settled
            record["_disputed"] = bool(disputed) and settled is None
            records.append(record)
    return records


def _allocated(session: Session, receivable_ids: list[int]) -> dict[int, Decimal]:
    """What arflow itself took off each balance: payments allocated and write-offs
    approved (an ERP that does not know of them would otherwise put them back)."""
    totals: dict[int, Decimal] = {}
    w = WriteOff.__table__
    for chunk in chunks(receivable_ids):
        stmt = (
            select(
                Allocation.receivable_id,
                type_coerce(func.sum(Allocation.__table__.c.amount), Money()),  # type: ignore[attr-defined]
            )
            .where(Allocation.receivable_id.in_(chunk))  # type: ignore[attr-defined]
            .group_by(Allocation.receivable_id)
        )
        written = (select(w.c.receivable_id, type_coerce(func.sum(w.c.amount), Money()))
                   .where(w.c.receivable_id.in_(chunk), w.c.status == "approved")
                   .group_by(w.c.receivable_id))
        for rid, taken in [*session.execute(stmt), *session.execute(written)]:
            totals[rid] = totals.get(rid, Decimal(0)) + taken
    return totals


def write(session: Session, records: list[dict[str, Any]], result: ImportResult) -> None:
    history = [(r["number"], r.pop("_settled"), r.pop("_disputed")) for r in records]
    _write_receivables(session, records, result)
    settle_history(session, records, history, result)


def _write_receivables(
    session: Session, records: list[dict[str, Any]], result: ImportResult
) -> None:
    table = Receivable.__table__
    stored = existing_rows(session, table, "number", [r["number"] for r in records])  # type: ignore[arg-type]
    allocated = _allocated(session, [row.id for row in stored.values()])
    for record in records:
        old = stored.get(record["number"])
        given = record.pop("balance")
        paid_here = allocated.get(old.id, Decimal(0)) if old is not None else Decimal(0)
        if given is not None:
            # the ERP's balance, less what payments imported into arflow already paid (and
            # write-offs approved here): the same file imported again changes nothing
            record["balance"] = max(Decimal(0), given - paid_here)
        elif old is None:
            record["balance"] = record["amount"]
        elif old.amount != record["amount"]:
            record["balance"] = max(
                Decimal(0), record["amount"] - allocated.get(old.id, Decimal(0))
            )
        if old is None:
            record["stage"] = "current"
            record["stage_since"] = record["issue_date"]
    outcome = upsert(session, table, "number", records)  # type: ignore[arg-type]
    result.count(outcome)
    for record in records:
        old = stored.get(record["number"])
        changed_balance = "balance" in record and (old is None or old.balance != record["balance"])
        if changed_balance:
            result.touched_receivables[outcome.ids[record["number"]]] = None


def settlement_reference(number: str) -> str:
    """The one payment a settled row makes: the same row always names the same payment."""
    reference = f"SETTLED:{number}"
    if len(reference) <= 64:
        return reference
    return "SETTLED:" + hashlib.sha256(number.encode()).hexdigest()[:40]


def settle_history(
    session: Session,
    records: list[dict[str, Any]],
    history: list[tuple[str, date | None, bool]],
    result: ImportResult,
) -> None:
    """Pay settled rows in full on their settled date; list disputed rows to open."""
    by_number = {r["number"]: r for r in records}
    payments_due = [
        {
            "reference": settlement_reference(number),
            "customer_id": by_number[number]["customer_id"],
            "date": settled,
            "amount": by_number[number]["amount"],
            "invoice_number": number,
            "currency": by_number[number]["currency"],
        }
        for number, settled, _ in history
        if settled is not None and by_number[number]["amount"] > 0
    ]
    if payments_due:
        paid = ImportResult(kind="payments", file=result.file, rows=len(payments_due))
        payments.write(session, payments_due, paid)
        result.settlements = paid.inserted + paid.updated
        result.touched_receivables.update(paid.touched_receivables)
    flagged = [number for number, _, disputed in history if disputed]
    stages: dict[str, str] = {}
    for chunk in chunks(flagged):
        stmt = select(Receivable.number, Receivable.stage).where(
            Receivable.number.in_(chunk)  # type: ignore[attr-defined]
        )
        stages.update(dict(session.execute(stmt).all()))
    if flagged:
        result.to_dispute = [n for n in flagged if stages.get(n) in OPEN_STAGES]
