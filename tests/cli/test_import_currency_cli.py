"""The shell passes ``book_currency`` to the importers: a payment that says nothing else
gets it; a CSV's errors name the file's own header."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from ledger.models import Payment
from tests.cli.conftest import arflow  # noqa: F401 - `arflow` in-process, on each database
from tests.factories import CUSTOMERS, write


def test_a_payment_of_a_customer_owing_nothing_gets_the_book_currency(
    arflow, db, tmp_path, monkeypatch  # noqa: F811
):
    monkeypatch.setenv("ARFLOW_BOOK_CURRENCY", "HKD")
    assert arflow("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS))).exit_code == 0
    paid = write(tmp_path / "p.csv", "reference,customer_code,date,amount\n"
                 "P-1,C002,2026-03-01,50.00\n")
    ran = arflow("import", "payments", str(paid), "--json")
    assert ran.exit_code == 0, ran.stderr
    with Session(db) as s:
        assert s.execute(select(Payment.currency, Payment.unapplied)).one() == ("HKD", 50)


def test_a_csv_error_names_the_header_as_the_file_writes_it(arflow, db, tmp_path):  # noqa: F811
    assert arflow("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS))).exit_code == 0
    mapping = write(tmp_path / "m.yaml", "columns:\n  单号: reference\n  客户: customer_code\n"
                    "  日期: date\n  金额: amount\n  币种: currency\n")
    paid = write(tmp_path / "p.csv", "单号,客户,日期,金额,币种\nP-1,C001,2026-02-30,5,人民币\n"
                 "P-2,C001,2026-03-01,5,RMBB\n", "gbk")
    ran = arflow("import", "payments", str(paid), "--mapping", str(mapping))
    assert ran.exit_code == 2
    assert ran.stderr.strip().splitlines() == [
        "p.csv:2: 日期: not a date: '2026-02-30' (that date does not exist: February 2026 has "
        "28 days)",
        "p.csv:3: 币种: not a currency: 'RMBB' (use an ISO 4217 code like CNY or USD)",
        f"arflow: {paid}: rejected, 2 bad row(s); nothing imported"]
