"""A small ledger for the late-payment interest tests (rate 0.0005 a day, grace 5 days):
C001 owes I-1 100,000.00 CNY due 2026-03-01, paid 30,000.00 on 03-10 and 20,000.00 on
03-20; I-2 5,000.00 due 03-01 paid in full on 03-05 (within grace); I-4 20,000.00 due 03-01
of which 8,000.00 is written off (approved) on 03-11. C002 owed I-3 10,000.00 USD due
03-01, paid in full on 03-16 (settled)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from ledger.db import session_scope
from tests.factories import load, seed_customers, write
from workflows.writeoffs import approve_writeoff, propose_writeoff

AS_OF = date(2026, 3, 31)
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "I-1,C001,2026-01-30,2026-03-01,100000.00,CNY\n"
    "I-2,C001,2026-01-30,2026-03-01,5000.00,CNY\n"
    "I-3,C002,2026-01-30,2026-03-01,10000.00,USD\n"
    "I-4,C001,2026-01-30,2026-03-01,20000.00,CNY\n"
)
PAYMENTS = (
    "reference,customer_code,date,amount,invoice_number\n"
    "P-1,C001,2026-03-10,30000.00,I-1\n"
    "P-2,C001,2026-03-20,20000.00,I-1\n"
    "P-3,C001,2026-03-05,5000.00,I-2\n"
    "P-4,C002,2026-03-16,10000.00,I-3\n"
)


def build(engine: Engine, tmp_path: Path) -> None:
    seed_customers(engine, tmp_path)
    load(engine, "receivables", write(tmp_path / "receivables.csv", RECEIVABLES))
    load(engine, "payments", write(tmp_path / "payments.csv", PAYMENTS))
    with session_scope(engine) as s:
        wid = propose_writeoff(s, "I-4", "price dispute settled", date(2026, 3, 11), "test",
                               Decimal("8000.00"))
        approve_writeoff(s, wid, date(2026, 3, 11), "test")
