"""A small ledger for the statement tests: a Chinese customer in CNY with a billing contact,
a part payment and credit on account; an English customer in USD."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ledger.db import session_scope
from ledger.models import Contact
from tests.factories import CUSTOMERS, ROOT, load, write

AS_OF = date(2026, 11, 30)
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "INV-A-001,C001,2026-08-01,2026-08-31,12000.00,CNY\n"
    "INV-A-002,C001,2026-10-20,2026-11-19,8345.67,CNY\n"
    "INV-A-003,C001,2026-11-20,2026-12-20,5000.00,CNY\n"
    "INV-B-001,C002,2026-09-15,2026-10-15,4820.50,USD\n"
    "INV-B-002,C002,2026-11-15,2026-12-15,2600.00,USD\n"
)
PAYMENTS = (
    "reference,customer_code,date,amount,invoice_number\n"
    "PAY-0901,C001,2026-11-10,2000.00,INV-A-001\n"
    "PAY-0902,C001,2026-11-25,1500.00,\n"
    "PAY-0903,C002,2026-11-26,5000.00,INV-B-001\n"
    "PAY-0001,C001,2026-06-01,100.00,INV-A-001\n"
)


def seed(engine: Engine, tmp_path: Path) -> None:
    load(engine, "customers", write(tmp_path / "customers.csv", CUSTOMERS))
    load(engine, "receivables", write(tmp_path / "receivables.csv", RECEIVABLES))
    load(engine, "payments", write(tmp_path / "payments.csv", PAYMENTS))
    with session_scope(engine) as session:
        session.add(Contact(customer_id=1, name="张伟", role="财务经理", phone="021-5555 1234",
                            email="zhangwei@huadong.example.cn", billing=True))


@pytest.fixture
def ledger(db: Engine, tmp_path: Path) -> Engine:
    seed(db, tmp_path)
    return db


__all__ = ["AS_OF", "ROOT", "seed"]
