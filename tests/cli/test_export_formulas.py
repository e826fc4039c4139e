"""Issue 15, formula injection: a customer code or segment a spreadsheet would run as a
formula is exported as text, in CSV (behind a ') and in XLSX (a string cell, never a
formula); numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from arflow.cell_text import csv_cell
from arflow.cli.report_formats import Sheet, csv_text, write_xlsx
from tests.factories import write

LINK = '=HYPERLINK("http://x")'
CODES = {LINK: "+1+1", "@SUM(A1)": "-2+3", "C-OK": "plain"}  # code: segment
CUSTOMERS = "code,name,segment\n" + "".join(
    f'"{code.replace(chr(34), chr(34) * 2)}",Name {i},"{segment}"\n'
    for i, (code, segment) in enumerate(CODES.items()))
RECEIVABLES = "number,customer_code,issue_date,due_date,amount\n" + "".join(
    f'INV-{i},"{code.replace(chr(34), chr(34) * 2)}",2026-01-01,2026-02-01,{100 + i}.50\n'
    for i, code in enumerate(CODES))


@pytest.fixture
def formulas(arflow, tmp_path):
    for kind, text in (("customers", CUSTOMERS), ("receivables", RECEIVABLES)):
        ran = arflow("import", kind, str(write(tmp_path / f"{kind}.csv", text)))
        assert ran.exit_code == 0, ran.stderr
    return arflow


def _csv(arflow, by: str) -> dict[str, list[str]]:
    ran = arflow("report", "ageing", "--as-of", "2026-03-05", "--by", by, "--format", "csv")
    assert ran.exit_code == 0, ran.stderr
    rows = list(csv.reader(io.StringIO(ran.stdout.split("\n\n")[0])))
    return {row[0]: row for row in rows[2:]}  # after "# title" and the header


def test_csv_puts_a_quote_before_formula_like_text_and_leaves_numbers(formulas):
    by_customer = _csv(formulas, "customer")
    assert set(by_customer) == {"'" + LINK, "'@SUM(A1)", "C-OK"}
    assert by_customer["'" + LINK][-2:] == ["100.50", "1"]  # the total, a plain number
    by_segment = _csv(formulas, "segment")
    assert set(by_segment) == {"'+1+1", "'-2+3", "plain"}


def test_xlsx_holds_the_text_intact_and_no_formula(formulas, tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "ageing.xlsx"
    ran = formulas("report", "ageing", "--as-of", "2026-03-05", "--by", "customer",
                   "--format", "xlsx", "--output", str(target))
    assert ran.exit_code == 0, ran.stderr
    book = load_workbook(target)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    rows = {row[0].value: row for row in book.worksheets[0].iter_rows(min_row=2)}
    assert set(rows) == set(CODES)
    total = rows[LINK][-2]
    assert (total.data_type, total.value) == ("n", 100.5)


def test_negative_amounts_stay_numbers_in_both(tmp_path):
    from openpyxl import load_workbook

    sheets = [Sheet("t", ["customer", "amount", "count"],
                    [["-2+3", Decimal("-120.50"), -3], ["\tx", Decimal("5"), 0]])]
    assert csv_text(sheets) == "customer,amount,count\n'-2+3,-120.50,-3\n'\tx,5,0\n"
    assert csv_cell("\ry") == "'\ry" and csv_cell(Decimal("-1")) == Decimal("-1")
    write_xlsx(sheets, tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx").active
    assert [(c.value, c.data_type) for c in ws[2]] == [("-2+3", "s"), (-120.5, "n"), (-3, "n")]
