"""Imports: idempotence, updates, whole-file rejection, encodings, payment allocation."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.importers import ImportFailed
from ledger.importers.source import Mapping
from ledger.models import Allocation, Customer, Payment, Receivable
from tests.factories import CUSTOMERS, load, seed_customers, write

RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "INV-1,C001,2026-01-01,2026-02-01,1000.00,CNY\n"
    "INV-2,C001,2026-01-15,2026-02-15,2500.50,CNY\n"
    "INV-3,C001,2026-02-01,2026-03-01,300.00,CNY\n"
    "INV-4,C002,2026-01-10,2026-02-10,1234567890123456.78,USD\n"
)


def _balances(engine: Engine) -> dict[str, Decimal]:
    with Session(engine) as s:
        return dict(s.execute(select(Receivable.number, Receivable.balance)).all())


def _snapshot(engine: Engine) -> str:
    """A digest of every row of every table (the database's content)."""
    from sqlmodel import SQLModel

    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_customers_and_receivables_import_and_reimport_changes_nothing(db, tmp_path):
    first = load(db, "customers", write(tmp_path / "c.csv", CUSTOMERS))
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    path = write(tmp_path / "r.csv", RECEIVABLES)
    assert load(db, "receivables", path).inserted == 4
    before = _snapshot(db)
    again = load(db, "receivables", path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert load(db, "customers", tmp_path / "c.csv").unchanged == 2
    assert _snapshot(db) == before
    # money exact on both databases, even beyond a double's precision
    assert _balances(db)["INV-4"] == Decimal("1234567890123456.78")


def test_changed_row_updates_its_record(db, tmp_path):
    seed_customers(db, tmp_path)
    load(db, "receivables", write(tmp_path / "r.csv", RECEIVABLES))
    changed = RECEIVABLES.replace(
        "INV-3,C001,2026-02-01,2026-03-01,300.00", "INV-3,C001,2026-02-01,2026-03-05,350.00"
    )
    result = load(db, "receivables", write(tmp_path / "r2.csv", changed))
    assert (result.updated, result.unchanged) == (1, 3)
    with Session(db) as s:
        inv3 = s.execute(select(Receivable).where(Receivable.number == "INV-3")).scalar_one()
    assert inv3.amount == Decimal("350.00") and inv3.balance == Decimal("350.00")
    assert str(inv3.due_date) == "2026-03-05"


def test_bad_file_lists_every_bad_row_and_writes_nothing(db, tmp_path, db_url):
    seed_customers(db, tmp_path)
    load(db, "receivables", write(tmp_path / "ok.csv", RECEIVABLES))
    bad = (
        "number,customer_code,issue_date,due_date,amount,currency\n"
        "INV-10,C001,2026-03-01,2026-04-01,100.00,CNY\n"
        "INV-11,NOPE,2026-03-01,2026-04-01,100.00,CNY\n"
        "INV-12,C001,2026-02-30,2026-04-01,100.00,CNY\n"
        "INV-13,C001,2026-03-01,2026-04-01,-5.00,CNY\n"
        "INV-10,C001,2026-03-01,2026-04-01,100.00,CNY\n"
        "INV-14,C001,2026-03-01,2026-04-01,1.001,CNY\n"
    )
    path = write(tmp_path / "bad.csv", bad)
    sqlite_file = Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite") else None
    before = _snapshot(db)
    before_bytes = sqlite_file.read_bytes() if sqlite_file else b""
    with pytest.raises(ImportFailed) as caught:
        load(db, "receivables", path)
    lines = [str(e) for e in caught.value.errors]
    assert lines[0] == "bad.csv:3: customer_code: unknown customer 'NOPE'"
    assert lines[1].startswith("bad.csv:4: issue_date: not a date")
    assert lines[2] == "bad.csv:5: amount: negative amount: -5.00"
    assert lines[3].startswith("bad.csv:6: number: duplicate invoice number 'INV-10'")
    assert lines[4].startswith("bad.csv:7: amount: more than two decimals")
    assert len(lines) == 5
    assert _snapshot(db) == before
    if sqlite_file:
        assert sqlite_file.read_bytes() == before_bytes


def test_missing_column_is_reported_on_the_header_row(db, tmp_path):
    seed_customers(db, tmp_path)
    path = write(
        tmp_path / "r.csv", "number,customer_code,issue_date,amount\nX,C001,2026-01-01,1\n"
    )
    with pytest.raises(ImportFailed) as caught:
        load(db, "receivables", path)
    assert [str(e) for e in caught.value.errors] == ["r.csv:1: due_date: missing column"]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_chinese_files_in_gbk_and_utf8_with_bom(db, tmp_path, encoding):
    load(db, "customers", write(tmp_path / "c.csv", CUSTOMERS, encoding))
    with Session(db) as s:
        name = s.execute(select(Customer.name).where(Customer.code == "C001")).scalar_one()
    assert name == "上海华东机电有限公司"


def test_mapping_renames_foreign_columns(db, tmp_path):
    seed_customers(db, tmp_path)
    export = "发票号,客户编码,开票日期,到期日,金额,币种\nF-1,C001,2026/01/05,2026/02/05,88.00,CNY\n"
    mapping = write(
        tmp_path / "map.yaml",
        "columns:\n  发票号: number\n  客户编码: customer_code\n"
        "  开票日期: issue_date\n  到期日: due_date\n  金额: amount\n  币种: currency\n"
        "date_format: '%Y/%m/%d'\n",
    )
    result = load(
        db, "receivables", write(tmp_path / "erp.csv", export, "gbk"), Mapping.load(mapping)
    )
    assert result.inserted == 1
    assert _balances(db)["F-1"] == Decimal("88.00")


def test_payment_allocation_oldest_due_first_and_unapplied_credit(db, tmp_path):
    seed_customers(db, tmp_path)
    load(db, "receivables", write(tmp_path / "r.csv", RECEIVABLES))
    payments = (
        "reference,customer_code,date,amount,invoice_number\n"
        "P-1,C001,2026-02-20,1500.00,\n"  # INV-1 (1000) then 500 of INV-2
        "P-2,C001,2026-03-02,300.00,INV-3\n"  # pays INV-3 exactly
        "P-3,C001,2026-03-10,2500.50,\n"  # 2000.50 left on INV-2, 500 unapplied
    )
    path = write(tmp_path / "p.csv", payments)
    result = load(db, "payments", path)
    assert result.inserted == 3
    balances = _balances(db)
    assert balances["INV-1"] == 0 and balances["INV-2"] == 0 and balances["INV-3"] == 0
    with Session(db) as s:
        unapplied = dict(s.execute(select(Payment.reference, Payment.unapplied)).all())
        allocations = s.execute(select(Allocation)).scalars().all()
    assert unapplied == {"P-1": Decimal("0.00"), "P-2": Decimal("0.00"), "P-3": Decimal("500.00")}
    assert sum(a.amount for a in allocations) == Decimal("3800.50")
    # settled on the day the last payment made the balance zero
    assert result.touched_receivables[_id(db, "INV-1")] == __import__("datetime").date(2026, 2, 20)
    again = load(db, "payments", path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert _balances(db) == balances


def test_changed_payment_is_reallocated(db, tmp_path):
    seed_customers(db, tmp_path)
    load(db, "receivables", write(tmp_path / "r.csv", RECEIVABLES))
    load(
        db,
        "payments",
        write(
            tmp_path / "p.csv", "reference,customer_code,date,amount\nP-1,C001,2026-02-20,1500\n"
        ),
    )
    load(
        db,
        "payments",
        write(
            tmp_path / "p2.csv", "reference,customer_code,date,amount\nP-1,C001,2026-02-20,400\n"
        ),
    )
    balances = _balances(db)
    assert balances["INV-1"] == Decimal("600.00") and balances["INV-2"] == Decimal("2500.50")


def test_payment_for_another_customers_invoice_is_rejected(db, tmp_path):
    seed_customers(db, tmp_path)
    load(db, "receivables", write(tmp_path / "r.csv", RECEIVABLES))
    path = write(
        tmp_path / "p.csv",
        "reference,customer_code,date,amount,invoice_number\nP-9,C002,2026-02-20,10,INV-1\n",
    )
    with pytest.raises(ImportFailed) as caught:
        load(db, "payments", path)
    assert (
        str(caught.value) == "p.csv:2: invoice_number: invoice 'INV-1' belongs to another customer"
    )


def _id(engine: Engine, number: str) -> int:
    with Session(engine) as s:
        return s.execute(select(Receivable.id).where(Receivable.number == number)).scalar_one()


def test_a_file_with_fewer_columns_leaves_the_others_alone(db, tmp_path):
    seed_customers(db, tmp_path)
    result = load(db, "customers", write(tmp_path / "short.csv", "code,name\nC002,Acme Ltd\n"))
    assert (result.updated, result.inserted) == (1, 0)
    with Session(db) as s:
        acme = s.execute(select(Customer).where(Customer.code == "C002")).scalar_one()
    assert (acme.name, acme.language, acme.email) == ("Acme Ltd", "en", "billing@acme.example.com")
    assert acme.credit_limit == Decimal("200000.00") and acme.collector == "wang.wei"


def test_gbk_with_few_chinese_characters_is_not_mistaken_for_big5(db, tmp_path):
    load(db, "customers", write(tmp_path / "c.csv", "code,name\nC9,李四\n", "gbk"))
    with Session(db) as s:
        assert s.execute(select(Customer.name).where(Customer.code == "C9")).scalar_one() == "李四"


def test_absurd_amounts_are_row_errors(db, tmp_path):
    seed_customers(db, tmp_path)
    path = write(tmp_path / "r.csv", "number,customer_code,issue_date,due_date,amount,currency\n"
                 "X-1,C001,2026-01-01,2026-02-01,1e400,CNY\n"
                 "X-2,C001,2026-01-01,2026-02-01,99999999999999999999,CNY\n")
    with pytest.raises(ImportFailed) as caught:
        load(db, "receivables", path)
    assert [str(e) for e in caught.value.errors] == [
        "r.csv:2: amount: amount too large: 1e400",
        "r.csv:3: amount: amount too large: 99999999999999999999"]
