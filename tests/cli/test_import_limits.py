"""Issue 15: text longer than its column (a 301-character customer name was a PostgreSQL
traceback, cut silently on SQLite), a NUL byte in an MT940 statement and a rates cell over
the csv module's 128 KiB are one FILE:ROW line, exit 2, and nothing written. (A NUL or an
oversize cell in an import CSV or workbook: tests/ledger/test_import_faults.py and
test_xlsx_cells.py.)"""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel

from tests.cli.conftest import arflow  # noqa: F401 - `arflow` in-process, on each database
from tests.factories import CUSTOMERS, write

RECEIVABLE = "number,customer_code,issue_date,due_date,amount\n{},C001,2026-01-05,2026-02-05,10\n"
PAYMENT = "reference,customer_code,date,amount\n{},C001,2026-01-05,10\n"
TOO_LONG = {  # kind, file text, the line arflow prints
    "name": ("customers", "code,name\nC9,{}\n".format("N" * 301),
             "c.csv:2: name: at most 200 characters (301 given)"),
    "code": ("customers", "code,name\n{},x\n".format("C" * 65),
             "c.csv:2: code: at most 64 characters (65 given)"),
    "segment": ("customers", "code,name,segment\nC9,x,{}\n".format("s" * 65),
                "c.csv:2: segment: at most 64 characters (65 given)"),
    "collector": ("customers", "code,name,collector\nC9,x,{}\n".format("c" * 65),
                  "c.csv:2: collector: at most 64 characters (65 given)"),
    "number": ("receivables", RECEIVABLE.format("I" * 65),
               "c.csv:2: number: at most 64 characters (65 given)"),
    "reference": ("payments", PAYMENT.format("R" * 65),
                  "c.csv:2: reference: at most 64 characters (65 given)"),
}


def _counts(db: Engine) -> dict[str, int]:
    with Session(db) as session:
        return {t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables}


@pytest.fixture
def seeded(arflow, tmp_path):  # noqa: F811
    assert arflow("import", "customers", str(write(tmp_path / "s.csv", CUSTOMERS))).exit_code == 0
    return arflow


def test_text_longer_than_its_column_is_a_row_error(seeded, db, tmp_path):
    before = _counts(db)
    for kind, text, expected in TOO_LONG.values():
        ran = seeded("import", kind, str(write(tmp_path / "c.csv", text)))
        assert ran.exit_code == 2
        assert ran.stderr.splitlines()[0] == expected
    assert _counts(db) == before


def test_the_error_names_the_files_own_header_and_cell(seeded, db, tmp_path):
    mapping = write(tmp_path / "m.yaml", "columns:\n  客户编码: code\n  客户名称: name\n")
    csv_file = write(tmp_path / "c.csv", "客户编码,客户名称\nC9,{}\n".format("名" * 201))
    book = Workbook()
    book.active.append(["客户编码", "客户名称"])
    book.active.append(["C9", "名" * 201])
    book.save(tmp_path / "c.xlsx")
    before = _counts(db)
    files = ((csv_file, "c.csv:2: 客户名称:"), (tmp_path / "c.xlsx", "c.xlsx:B2 (客户名称):"))
    for path, where in files:
        ran = seeded("import", "customers", str(path), "--mapping", str(mapping))
        assert ran.exit_code == 2
        assert ran.stderr.splitlines()[0] == f"{where} at most 200 characters (201 given)"
    assert _counts(db) == before


def test_a_nul_in_an_mt940_statement_is_refused_with_its_line(arflow, db, tmp_path):  # noqa: F811
    path = tmp_path / "s.sta"
    path.write_bytes(b":20:S1\n:25:BANKCNBS/111\n:28C:1/1\n:60F:C261127CNY100,00\n"
                     b":61:2611281128C20,00NTRFNONREF//REF1\n:86:/ORDP/A\x00B\n"
                     b":62F:C261128CNY120,00\n-\n")
    before = _counts(db)
    ran = arflow("bank", "import", str(path))
    assert ran.exit_code == 2
    assert ran.stderr.splitlines()[0] == (
        "s.sta:6: NUL byte (\\x00) in the statement: a damaged file "
        "(or UTF-16: pass --encoding utf-16)")
    assert _counts(db) == before


def test_a_rates_cell_over_the_csv_limit_is_a_file_row_error(arflow, db, tmp_path):  # noqa: F811
    path = write(tmp_path / "r.csv", "date,currency,rate\n2026-01-05,USD,7.1\n"
                                     "2026-01-06,USD," + "7" * 140_000 + "\n")
    before = _counts(db)
    ran = arflow("rates", "import", str(path))
    assert ran.exit_code == 2
    assert ran.stderr.strip() == (
        "arflow: r.csv:3: cannot read the CSV: field larger than field limit (131072)")
    assert _counts(db) == before
