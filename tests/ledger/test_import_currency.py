"""Issue 14, parts 3 and 4: a CSV's errors name the file's own header; currencies as people
write them are read into ISO 4217, anything else is a row error with the value."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import Session

from ledger.importers import ImportFailed
from ledger.importers.source import Mapping
from ledger.models import Receivable
from tests.factories import load, seed_customers, write

MAPPING = ("columns:\n  发票号: number\n  客户编码: customer_code\n  开票日期: issue_date\n"
           "  到期日: due_date\n  金额: amount\n  币种: currency\n")
HEADER = "发票号,客户编码,开票日期,到期日,金额,币种\n"


def _mapping(tmp_path) -> Mapping:
    return Mapping.load(write(tmp_path / "map.yaml", MAPPING))


def test_currency_aliases_are_read_into_iso_codes(db, tmp_path):
    seed_customers(db, tmp_path)
    rows = [("A-1", "人民币"), ("A-2", "RMB"), ("A-3", "rmb"), ("A-4", "¥"), ("A-5", "CNH"),
            ("A-6", "US$"), ("A-7", "usd"), ("A-8", " eur "), ("A-9", "")]
    text = HEADER + "".join(f"{n},C001,2026-01-01,2026-02-01,10.00,{c}\n" for n, c in rows)
    assert load(db, "receivables", write(tmp_path / "ar.csv", text), _mapping(tmp_path)
                ).inserted == 9
    with Session(db) as s:
        found = dict(s.execute(select(Receivable.number, Receivable.currency)).all())
    assert found == {"A-1": "CNY", "A-2": "CNY", "A-3": "CNY", "A-4": "CNY", "A-5": "CNY",
                     "A-6": "USD", "A-7": "USD", "A-8": "EUR", "A-9": "CNY"}


def test_errors_name_the_files_own_header_and_a_date_that_does_not_exist(db, tmp_path):
    seed_customers(db, tmp_path)
    good = "".join(f"B-{n},C001,2026-01-01,2026-02-01,10.00,CNY\n" for n in range(2, 5))
    text = (HEADER + good + "B-5,C001,2026-01-01,2026-02-01,\"1,000.00\",RMBB\n"
            + "".join(f"E-{n},C001,2026-01-01,2026-02-01,10.00,CNY\n" for n in range(6, 17))
            + "B-17,C001,2026-01-01,2026-02-30,10.00,CNY\n"
            + "B-18,NOPE,2026-01-01,2026-02-01,10.00,CNY\n")
    with pytest.raises(ImportFailed) as caught:
        load(db, "receivables", write(tmp_path / "ar.csv", text), _mapping(tmp_path))
    assert [str(e) for e in caught.value.errors] == [
        "ar.csv:5: 币种: not a currency: 'RMBB' (use an ISO 4217 code like CNY or USD)",
        "ar.csv:17: 到期日: not a date: '2026-02-30' (that date does not exist: February 2026 "
        "has 28 days)",
        "ar.csv:18: 客户编码: unknown customer 'NOPE'",
    ]
    # code that reads the column still gets arflow's name for it
    assert [e.column for e in caught.value.errors] == ["currency", "due_date", "customer_code"]


def test_a_missing_column_is_named_as_the_mapping_expects_it(db, tmp_path):
    seed_customers(db, tmp_path)
    text = "发票号,客户编码,开票日期,金额\nX-1,C001,2026-01-01,1.00\n"
    with pytest.raises(ImportFailed) as caught:
        load(db, "receivables", write(tmp_path / "ar.csv", text), _mapping(tmp_path))
    assert str(caught.value) == "ar.csv:1: 到期日: missing column"


def test_an_unmapped_file_keeps_its_messages(db, tmp_path):
    seed_customers(db, tmp_path)
    text = ("number,customer_code,issue_date,due_date,amount,currency\n"
            "X-1,C001,2026-13-01,2026-02-01,1.00,XXX\n")
    with pytest.raises(ImportFailed) as caught:
        load(db, "receivables", write(tmp_path / "ar.csv", text))
    assert [str(e) for e in caught.value.errors] == [
        "ar.csv:2: issue_date: not a date: '2026-13-01' (there is no month 13; expected "
        "YYYY-MM-DD)",
        "ar.csv:2: currency: not a currency: 'XXX' (use an ISO 4217 code like CNY or USD)",
    ]
    with Session(db) as s:
        assert s.execute(select(Receivable)).first() is None


def test_the_book_currency_is_the_default_of_a_receivable(db, tmp_path):
    from ledger.db import session_scope
    from ledger.importers import import_file

    seed_customers(db, tmp_path)
    path = write(tmp_path / "ar.csv", "number,customer_code,issue_date,due_date,amount\n"
                 "H-1,C002,2026-01-01,2026-02-01,5.00\n")
    with session_scope(db) as session:
        import_file(session, "receivables", path, book_currency="HKD")
    with Session(db) as s:
        row = s.execute(select(Receivable.amount, Receivable.currency)).one()
    assert tuple(row) == (Decimal("5.00"), "HKD")
