"""A workbook's cells read as the text a CSV would hold, and its damage named by cell."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time

import pytest
from openpyxl import Workbook

from ledger.importers import ImportFailed
from ledger.importers.damage import FIELD_LIMIT
from ledger.importers.source import Mapping, read_rows
from ledger.importers.xlsx import _read, cell_text


@pytest.mark.parametrize(("value", "text"), [
    (1234.5, "1234.50"),  # money with two places, no binary noise
    (0.1 + 0.2, "0.30"),  # 0.30000000000000004 in binary
    (1234567.1, "1234567.10"),
    (30.0, "30"),  # whole numbers without ".0"
    (13800138000, "13800138000"),
    (13800138000.0, "13800138000"),
    (0.125, "0.125"),  # more than two decimals kept: parse_money refuses them, visibly
    (True, "true"),
    (None, ""),
    (" 上海 ", " 上海 "),
    (datetime(2026, 2, 13, 9, 30), "2026-02-13"),
    (date(2026, 2, 13), "2026-02-13"),
    (time(9, 30), "09:30:00"),
])
def test_cells_as_text(value, text):
    assert cell_text(value) == text


def test_date_cells_are_written_in_the_mappings_date_format():
    assert cell_text(date(2026, 2, 3), "%d/%m/%Y") == "03/02/2026"


def test_a_nul_and_an_overlong_cell_are_named_by_their_cell():
    rows = iter([("code", "客户名称"), ("C1", "Ga\x00mma"), ("C2", "x" * (FIELD_LIMIT + 1))])
    with pytest.raises(ImportFailed) as caught:
        _read(rows, {"客户名称": "name"}, "c.xlsx", None)
    assert [str(e) for e in caught.value.errors] == [
        "c.xlsx:B2 (客户名称): NUL byte (\\x00) in the cell: a damaged file",
        f"c.xlsx:B3 (客户名称): cell of {FIELD_LIMIT + 1:,} characters, over the limit of 64 KiB",
    ]
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "name"), (3, "name")]


def test_an_overlong_cell_in_a_real_workbook(tmp_path):
    """Excel and openpyxl write at most 32,767 characters; a damaged or hand-made file may
    hold more (put in the XML here)."""
    book = Workbook()
    book.active.append(["code", "name"])
    book.active.append(["C1", "PLACEHOLDER"])
    book.save(tmp_path / "made.xlsx")
    with zipfile.ZipFile(tmp_path / "made.xlsx") as source, \
            zipfile.ZipFile(tmp_path / "c.xlsx", "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, data.replace(b"PLACEHOLDER", b"y" * 70_000))
    with pytest.raises(ImportFailed) as caught:
        read_rows(tmp_path / "c.xlsx")
    assert str(caught.value) == "c.xlsx:B2 (name): cell of 70,000 characters, over the " \
                                "limit of 64 KiB"


def test_rows_keep_the_sheets_numbers_headers_and_letters(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append([])
    sheet.append([])
    sheet.append(["编码", "名称", None])
    sheet.append(["C1", "甲", None, "surplus"])
    sheet.append([])
    sheet.append(["C2", "乙"])
    book.save(tmp_path / "c.xlsx")
    header, rows = read_rows(tmp_path / "c.xlsx", Mapping({"编码": "code", "名称": "name"}))
    assert header == ["code", "name"]
    assert [(r.number, r.values) for r in rows] == [
        (4, {"code": "C1", "name": "甲"}), (6, {"code": "C2", "name": "乙"})]
    assert (rows[0].headers, rows[0].letters) == (
        {"code": "编码", "name": "名称"}, {"code": "A", "name": "B"})


def test_an_old_xls_and_a_broken_workbook_are_one_line(tmp_path):
    from ledger.importers.source import SourceError

    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    with pytest.raises(SourceError, match=r"old\.xls: an old Excel \.xls workbook: save it "
                                          r"as \.xlsx"):
        read_rows(tmp_path / "old.xls")
    (tmp_path / "cut.xlsx").write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(SourceError, match=r"cut\.xlsx: not a readable Excel workbook"):
        read_rows(tmp_path / "cut.xlsx")


def test_title_rows_above_a_mapped_header_are_passed_over(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["中国工商银行 账户明细"])
    sheet.append(["账号", "6222 0000 1111", None, "查询区间", "2026-11-01 至 2026-11-30"])
    sheet.append([])
    sheet.append(["交易日期", "摘要", "对方户名", "贷方金额"])
    sheet.append([date(2026, 11, 2), "INV-2026-0042 货款", "华星贸易", "12,000.00"])
    book.save(tmp_path / "bank.xlsx")
    mapping = Mapping({"交易日期": "date", "贷方金额": "amount", "对方户名": "payer_name",
                       "摘要": "text"}, "%Y/%m/%d")
    header, rows = read_rows(tmp_path / "bank.xlsx", mapping)
    assert header == ["date", "text", "payer_name", "amount"]
    assert [(r.number, r.values) for r in rows] == [
        (5, {"date": "2026/11/02", "text": "INV-2026-0042 货款", "payer_name": "华星贸易",
             "amount": "12,000.00"})]
    # without a mapping the first non-empty row is the header, as in a CSV
    assert read_rows(tmp_path / "bank.xlsx")[0] == ["中国工商银行 账户明细"]


def test_a_formula_without_a_saved_value_is_named_not_read_as_empty(tmp_path):
    """A workbook written by a program holds formulas without their value; read as empty,
    a bank export's credit of =1000*2 would pass for a debit row and vanish."""
    book = Workbook()
    book.active.append(["交易日期", "贷方金额", "摘要"])
    book.active.append(["2026/11/28", "=1000*2", "货款"])
    book.active.append(["2026/11/29", 500, "=\"INV-\"&\"42\""])
    book.save(tmp_path / "f.xlsx")
    mapping = Mapping(columns={"交易日期": "date", "贷方金额": "amount", "摘要": "text"})
    with pytest.raises(ImportFailed) as caught:
        read_rows(tmp_path / "f.xlsx", mapping)
    reason = ("a formula with no saved value: open the file in Excel (or LibreOffice), save "
              "it, and import it again")
    assert str(caught.value).splitlines() == [f"f.xlsx:B2 (贷方金额): {reason}",
                                              f"f.xlsx:C3 (摘要): {reason}"]
