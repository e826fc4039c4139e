"""Cash application in a real browser: a bank CSV is imported (workflows.bank.
import_statement) and its lines wait as proposed; a credit manager opens /bank, confirms
one proposal and splits another line over two invoices; the invoices then show paid on
their pages and the reminder queued for them is withdrawn. Screenshots:
tests/artifacts/bank-*.png (one at 390 px, a phone)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.models import BankLine, Customer, Outbox, Payment
from tests.e2e.conftest import english_tab, screenshot, sign_in
from tests.factories import write
from tests.web.portfolio import DAY, app_on_day, build, people
from workflows.bank import BankRules, import_statement

# C001 (上海华东机电有限公司) owes R-1 50,000 (due 1 Sep), R-2 8,000 (due 10 Oct) and
# R-3 3,000 (due 30 Nov); DAY's queued statement reminds it of. Neither line
# names an invoice: the payer's name and the amount are all the matcher has to go on.
STATEMENT = (
    "交易日期,贷方金额,借方金额,对方户名,对方账号,摘要\n"
    "2026/11/20,\"8,000.00\",,上海华东机电设备,6222020200112233,货款\n"
    "2026/11/20,\"53,000.00\",,上海华东机电有限公司,6222020200112233,十一月货款\n"
    "2026/11/21,,\"1,500.00\",房租,,付款\n"
)
MAPPING = (
    "columns:\n  交易日期: date\n  贷方金额: amount\n  借方金额: debit\n"
    "  对方户名: payer_name\n  对方账号: payer_account\n  摘要: text\n"
    "date_format: '%Y/%m/%d'\n"
)


@pytest.fixture
def tab(browser: object, db_url: str, db: Engine, tmp_path: Path) -> Iterator[object]:
    """DAY's portfolio with its reminders queued, the statement imported, served as on
    DAY to an English tab; credit manager zhou."""
    build(db, tmp_path, mail=True)
    people(db, ("zhou", "credit_manager"))
    statement = write(tmp_path / "statement.csv", STATEMENT, "gbk")
    mapping = write(tmp_path / "icbc.yaml", MAPPING)
    with Session(db) as session:
        summary = import_statement(session, statement, "csv", today=DAY, actor="cli:test",
                                   rules=BankRules(), mapping=mapping)
        session.commit()
    assert (summary.lines, summary.debits_skipped, summary.inserted) == (2, 1, 2)
    assert (summary.applied, summary.proposed) == (0, 2)  # both wait for a person
    with english_tab(browser, app_on_day(db_url, db, tmp_path)) as page:
        yield page


def _line_ids(db: Engine) -> list[int]:
    with Session(db) as s:
        return list(s.execute(select(BankLine.id).order_by(BankLine.id)).scalars())


def _c001_mail(db: Engine) -> set[str]:
    with Session(db) as s:
        return set(s.execute(select(Outbox.status).join(
            Customer, Customer.id == Outbox.customer_id).where(
            Customer.code == "C001", Outbox.for_date == DAY)).scalars())


def test_confirm_one_line_and_split_another(tab, db: Engine) -> None:  # type: ignore[no-untyped-def]
    page = tab
    small, large = _line_ids(db)
    assert _c001_mail(db) == {"pending"}  # queued, not sent
    sign_in(page, "zhou")
    page.click("nav a[href='/bank']")
    page.wait_for_url("**/bank")
    first = page.locator(f"#line-{small}")
    assert "CN¥8,000.00" in first.locator(".bank-head").inner_text()
    assert "上海华东机电" in first.locator(".payer").inner_text()
    option = first.locator(f"#line-{small}-option-1")
    assert "R-2" in option.inner_text() and "%" in option.locator(".confidence").first.inner_text()
    assert option.locator(".reason").first.inner_text().strip()  # why, in English
    screenshot(page, "bank-queue")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: no sideways scrolling
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "bank-queue-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    option = page.locator(f"#line-{small}-option-1")

    option.locator("button[type=submit]").click()  # confirm option 1: R-2
    page.wait_for_url("**/bank?status=queue&done=*")
    assert f"Line {small} applied." in page.locator(".flash").inner_text()
    assert page.locator(f"#line-{small}").count() == 0  # it left the queue

    second = page.locator(f"#line-{large}")
    second.locator("summary").click()  # apply it another way
    split = second.locator(f"#form-split-{large}")
    split.locator("input[name=invoice]").nth(0).fill("R-1")
    split.locator("input[name=amount]").nth(0).fill("50,000.00")
    split.locator("input[name=invoice]").nth(1).fill("R-3")
    split.locator("input[name=amount]").nth(1).fill("4,000.00")  # over the line: refused
    with page.expect_response(f"**/bank/lines/{large}/split*") as answer:
        split.locator("button[type=submit]:not([name=more])").click()
    assert answer.value.status == 422
    page.wait_for_load_state()
    split = page.locator(f"#form-split-{large}")
    assert split.locator("[role=alert]").is_visible()
    assert split.locator("input[name=amount]").nth(1).input_value() == "4,000.00"
    screenshot(page, "bank-split-refused")
    split.locator("input[name=amount]").nth(1).fill("3,000.00")
    split.locator("button[type=submit]:not([name=more])").click()
    page.wait_for_url("**/bank?status=queue&done=*")
    assert f"Line {large} applied." in page.locator(".flash").inner_text()
    assert page.locator("#proposed-none").is_visible()

    page.goto("/bank?status=applied")
    applied = page.locator(f"#line-{large}")
    assert "Applied on 23 Nov 2026 to C001" in applied.inner_text()
    screenshot(page, "bank-applied")
    for number in ("R-1", "R-2", "R-3"):
        page.goto(f"/receivables/{number}")
        assert page.locator("#stage").inner_text() == "Paid", number
    screenshot(page, "bank-receivable-paid")
    assert _c001_mail(db) == {"cancelled"}  # the statement carrying withdrawn
    with Session(db) as s:
        paid = sorted((p.reference, str(p.amount), p.date.isoformat()) for p in s.execute(
            select(Payment).where(Payment.bank_line_id.is_not(None))).scalars())
    assert paid == sorted([(f"BANK-{small}", "8000.00", "2026-11-20"),
                           (f"BANK-{large}", "53000.00", "2026-11-20")])

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: no sideways scrolling
    for path in ("/bank?status=applied", "/bank"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.goto("/bank?status=applied")
    screenshot(page, "bank-phone")
