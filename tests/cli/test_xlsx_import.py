"""Issue 14, part 4: `arflow import KIND ar.xlsx [--sheet S]` reads Excel as it reads CSV,
and a bad cell is named as the user sees it: ``ar.xlsx:D17 (到期日): ...``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.models import Contact, Customer, Payment, Receivable
from tests.cli.conftest import arflow  # noqa: F401 - `arflow` in-process, on each database
from tests.factories import CUSTOMERS, write

HEADERS = ["发票号", "客户编码", "开票日期", "到期日", "金额", "币种"]
MAPPING = ("columns:\n  发票号: number\n  客户编码: customer_code\n  开票日期: issue_date\n"
           "  到期日: due_date\n  金额: amount\n  币种: currency\n"
           "date_format: '%Y/%m/%d'\n")


def _book(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _receivables(db: Engine) -> dict[str, tuple[date, date, Decimal, str]]:
    with Session(db) as s:
        rows = s.execute(select(Receivable.number, Receivable.issue_date, Receivable.due_date,
                                Receivable.amount, Receivable.currency))
        return {r.number: (r.issue_date, r.due_date, r.amount, r.currency) for r in rows}


def _seed(arflow, tmp_path: Path) -> None:  # noqa: F811
    ran = arflow("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS)))
    assert ran.exit_code == 0, ran.stderr


def test_a_second_sheet_with_chinese_headers_serials_text_dates_and_separators(
    arflow, db, tmp_path  # noqa: F811
):
    _seed(arflow, tmp_path)
    path = _book(tmp_path / "ar.xlsx", {
        "说明": [["这张表不是应收账款"]],
        "应收": [
            [],  # a blank row above the header
            [*HEADERS, None, None],  # trailing empty columns
            ["F-1", "C001", datetime(2026, 1, 5), 46066, 1234.5, "人民币"],  # a date serial
            [None, None, None],  # an empty row in the middle
            ["F-2", "C001", "2026/01/10", "2026/02/09", "1,234,567.10", "rmb", None, "备注"],
            ["F-3", "C002", date(2026, 2, 1), date(2026, 3, 3), 0.1 + 0.2, "US$"],
            ["F-4", "C001", "2026/01/10", 46100, 88, "CNH"],
        ],
    })
    mapping = write(tmp_path / "map.yaml", MAPPING)
    ran = arflow("import", "receivables", str(path), "--mapping", str(mapping),
                 "--sheet", "应收", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert (ran.json()["rows"], ran.json()["inserted"]) == (4, 4)
    assert _receivables(db) == {
        # 46066 days after 1899-12-30 is 2026-02-13; 46100 is 2026-03-19
        "F-1": (date(2026, 1, 5), date(2026, 2, 13), Decimal("1234.50"), "CNY"),
        "F-2": (date(2026, 1, 10), date(2026, 2, 9), Decimal("1234567.10"), "CNY"),
        "F-3": (date(2026, 2, 1), date(2026, 3, 3), Decimal("0.30"), "USD"),
        "F-4": (date(2026, 1, 10), date(2026, 3, 19), Decimal("88.00"), "CNY"),
    }
    # the same sheet by its number changes nothing
    again = arflow("import", "receivables", str(path), "--mapping", str(mapping),
                   "--sheet", "2", "--json")
    assert again.exit_code == 0, again.stderr
    assert (again.json()["inserted"], again.json()["unchanged"]) == (0, 4)


def test_a_bad_date_is_named_by_its_cell_and_the_files_header(arflow, db, tmp_path):  # noqa: F811
    _seed(arflow, tmp_path)
    good = [[f"G-{n}", "C001", date(2026, 1, 5), "2026-02-04", 100, "CNY"] for n in range(2, 17)]
    bad = ["G-17", "C001", "2026-01-05", "2026-02-30", "1,000", "RMBB"]
    path = _book(tmp_path / "ar.xlsx", {"Sheet1": [HEADERS, *good, bad]})
    mapping = write(tmp_path / "map.yaml", MAPPING.replace("%Y/%m/%d", "%Y-%m-%d"))
    ran = arflow("import", "receivables", str(path), "--mapping", str(mapping))
    assert ran.exit_code == 2
    assert ran.stderr.strip().splitlines() == [
        "ar.xlsx:D17 (到期日): not a date: '2026-02-30' (that date does not exist: "
        "February 2026 has 28 days)",
        "ar.xlsx:F17 (币种): not a currency: 'RMBB' (use an ISO 4217 code like CNY or USD)",
        f"arflow: {path}: rejected, 2 bad row(s); nothing imported",
    ]
    assert _receivables(db) == {}


def test_an_unknown_sheet_lists_the_sheets_and_a_csv_takes_no_sheet(
    arflow, db, tmp_path  # noqa: F811
):
    path = _book(tmp_path / "c.xlsx", {"客户": [["code", "name"]], "Other": [["x"]]})
    ran = arflow("import", "customers", str(path), "--sheet", "Customers")
    assert ran.exit_code == 2
    assert ran.stderr.strip() == (f"arflow: {path}: no sheet 'Customers'; the workbook has: "
                                  "1 '客户', 2 'Other'")
    csv = write(tmp_path / "c.csv", CUSTOMERS)
    ran = arflow("import", "customers", str(csv), "--sheet", "1")
    assert ran.exit_code == 2 and "not an Excel workbook" in ran.stderr


def test_customers_contacts_and_payments_from_workbooks(arflow, db, tmp_path):  # noqa: F811
    customers = _book(tmp_path / "customers.xlsx", {"Sheet": [
        ["code", "name", "email", "language", "credit_limit", "payment_terms_days",
         "contact_name", "contact_phone"],
        [1001, "杭州钢铁有限公司", "ar@steel.example.cn", "zh-CN", 80000.5, 30.0, "王芳",
         13800138000],
    ]})
    assert arflow("import", "customers", str(customers)).exit_code == 0
    contacts = _book(tmp_path / "contacts.xlsx", {"Sheet": [
        ["customer_code", "name", "role", "email", "billing"],
        [1001, "李强", "财务", "li@steel.example.cn", True],
    ]})
    ran = arflow("import", "contacts", str(contacts))
    assert ran.exit_code == 0, ran.stderr
    receivables = _book(tmp_path / "r.xlsx", {"Sheet": [
        ["number", "customer_code", "issue_date", "due_date", "amount"],
        ["S-1", 1001, date(2026, 1, 1), date(2026, 2, 1), 1000],
    ]})
    assert arflow("import", "receivables", str(receivables)).exit_code == 0
    # an .xlsx is read by its content too, whatever it is called
    payments = _book(tmp_path / "p.xlsx", {"Sheet": [
        ["reference", "customer_code", "date", "amount", "invoice_number"],
        ["P-1", 1001, datetime(2026, 2, 3, 10, 30), "400.00", "S-1"],
    ]}).rename(tmp_path / "payments.dat")
    ran = arflow("import", "payments", str(payments), "--json")
    assert ran.exit_code == 0, ran.stderr
    with Session(db) as s:
        steel = s.execute(select(Customer).where(Customer.code == "1001")).scalar_one()
        phones = dict(s.execute(select(Contact.name, Contact.phone)).all())
        billing = dict(s.execute(select(Contact.name, Contact.billing)).all())
        payment = s.execute(select(Payment)).scalar_one()
        balance = s.execute(select(Receivable.balance)).scalar_one()
    assert (steel.credit_limit, steel.payment_terms_days) == (Decimal("80000.50"), 30)
    assert phones["王芳"] == "13800138000" and billing == {"王芳": True, "李强": True}
    assert (payment.date, payment.amount, payment.currency) == (
        date(2026, 2, 3), Decimal("400.00"), "CNY")
    assert balance == Decimal("600.00")
