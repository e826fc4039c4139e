"""The worklist in a real browser (Chromium): a collector finds a customer by part of its
Chinese name, expands the row to see its invoices, moves with j / k and opens the customer
with Enter; ticks rows and completes them in bulk; and on a 390 px phone the page needs
no horizontal scrolling (screenshots: tests/artifacts/worklist-390.png and
worklist-desktop.png, in Chinese)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.models import (
    Activity,
    Contact,
    Customer,
    PaymentPlan,
    Promise,
    PromiseReceivable,
    Receivable,
    Task,
    TaskReceivable,
)
from tests.e2e.conftest import LiveServer, screenshot, sign_in
from tests.web.portfolio import DAY, app_on_day, build, people

MORE = (  # li.na's other customers: code, name, invoice, balance, days late, task kind
    ("C003", "深圳南山贸易有限公司", "INV-2026-00311", "126500.00", 61, "call"),
    ("C004", "北京朝阳科技有限公司", "INV-2026-00418", "33800.00", 38, "call"),
    ("C005", "Pacific Rim Components Pte Ltd", "INV-2026-00522", "9750.00", 12,
     "fix_contact_details"),
)


def _portfolio(db: Engine, tmp_path: Path) -> None:
    """DAY's portfolio for li.na and three more customers of hers: contacts, a promise, a
    plan, calls and notes, so every column has something to show."""
    build(db, tmp_path)
    people(db, ("li.na", "collector"))
    people(db, ("wang.wei", "collector"), language="zh-CN")
    with Session(db) as s:
        for code, name, number, balance, late, kind in MORE:
            customer = Customer(code=code, name=name, collector="li.na")
            s.add(customer)
            s.flush()
            due = date.fromordinal(DAY.toordinal() - late)
            invoice = Receivable(number=number, customer_id=customer.id, issue_date=due,
                                 due_date=due, amount=Decimal(balance),
                                 balance=Decimal(balance), stage="overdue", stage_since=DAY)
            task = Task(kind=kind, customer_id=customer.id, assignee="li.na", due_date=DAY,
                        created_on=DAY)
            s.add_all([invoice, task])
            s.flush()
            s.add(TaskReceivable(task_id=task.id, receivable_id=invoice.id, added_on=DAY))
        s.add_all([
            Contact(customer_id=1, name="李会计", role="财务", mobile="138 0013 8000",
                    billing=True),
            Contact(customer_id=3, name="陈经理", phone="0755-8888 6666"),
            Contact(customer_id=4, name="赵出纳", mobile="139 1234 5678", billing=True),
        ])
        promise = Promise(customer_id=1, promised_date=date(2026, 11, 30),
                          amount=Decimal("8000.00"), created_on=DAY)
        plan = PaymentPlan(customer_id=3, created_on=DAY)
        s.add_all([promise, plan])
        s.flush()
        s.add(PromiseReceivable(promise_id=promise.id, receivable_id=2))
        s.add_all([Promise(customer_id=3, plan_id=plan.id, promised_date=date(2026, 11, 15),
                           amount=Decimal("40000"), status="kept", created_on=DAY),
                   Promise(customer_id=3, plan_id=plan.id, promised_date=date(2026, 12, 15),
                           amount=Decimal("43250"), created_on=DAY),
                   Promise(customer_id=3, plan_id=plan.id, promised_date=date(2027, 1, 15),
                           amount=Decimal("43250"), created_on=DAY)])
        s.add_all([
            Activity(at=datetime(2026, 11, 21, 6, 5, tzinfo=UTC), on_date=date(2026, 11, 21),
                     actor="web:li.na", action="note_added", entity="customer", entity_id=1,
                     subject="C001", details={"note": "对账单已寄出"}),
            Activity(at=datetime(2026, 11, 20, 1, 40, tzinfo=UTC), on_date=date(2026, 11, 20),
                     actor="web:li.na", action="call_logged", entity="customer", entity_id=3,
                     subject="C003", details={"outcome": "reached"}),
        ])
        s.commit()


@pytest.fixture
def served(db_url: str, db: Engine, tmp_path: Path) -> Iterator[LiveServer]:
    _portfolio(db, tmp_path)
    with LiveServer(app_on_day(db_url, db, tmp_path)) as live:
        yield live


def _tab(browser: object, live: LiveServer, width: int, height: int, locale: str
         ) -> object:
    context = browser.new_context(base_url=live.url, locale=locale,  # type: ignore[attr-defined]
                                  viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def test_find_expand_and_move_with_the_keys(browser, served, db: Engine) -> None:  # type: ignore[no-untyped-def]
    page = _tab(browser, served, 1280, 900, "en-GB")
    sign_in(page, "li.na")
    assert page.url.endswith("/worklist")
    rows = page.locator("#worklist li.task")
    assert rows.count() == 4

    page.fill("input[name=q]", "南山")  # part of 深圳南山贸易有限公司
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/worklist?*q=*")
    assert rows.count() == 1
    row = rows.first
    assert row.locator("a.customer").inner_text() == "C003"
    assert "Plan: 1 of 3 kept" in row.inner_text()
    assert row.locator("a.tel").get_attribute("href") == "tel:075588886666"
    assert not row.locator("a.invoice").is_visible()  # folded
    row.locator(".c-kind").click()  # a click on the row unfolds it
    assert row.locator("a.invoice").inner_text() == "INV-2026-00311"
    assert row.locator("a.invoice").is_visible()
    row.locator("input[name=task]").click()  # ticking does not fold it again
    assert row.locator("input[name=task]").is_checked()
    assert row.locator("a.invoice").is_visible()

    page.goto("/worklist")
    order = [rows.nth(i).locator("a.customer").inner_text() for i in range(rows.count())]
    assert order[0] == "C003"  # 126,500 x 61 days tops the list
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert "selected" in (rows.nth(1).get_attribute("class") or "")
    page.keyboard.press("k")
    assert "selected" in (rows.nth(0).get_attribute("class") or "")
    assert "selected" not in (rows.nth(1).get_attribute("class") or "")
    page.focus("input[name=q]")  # typing in a field is not a command
    page.keyboard.type("jk")
    assert page.input_value("input[name=q]") == "jk"
    assert "selected" in (rows.nth(0).get_attribute("class") or "")
    page.keyboard.press("Escape")
    rows.nth(0).focus()
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/customers/{order[1]}")
    page.context.close()


def test_select_all_on_the_page_and_complete(browser, served, db: Engine) -> None:  # type: ignore[no-untyped-def]
    page = _tab(browser, served, 1280, 900, "en-GB")
    sign_in(page, "li.na")
    page.fill("input[name=q]", "有限公司")  # the three Chinese names
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/worklist?*q=*")
    assert page.locator("#worklist li.task").count() == 3
    assert not page.locator("#bulk-action").is_visible()  # nothing ticked yet
    page.check("#select-page")
    assert page.locator("#bulk-count").inner_text() == "3 selected"
    page.select_option("#bulk-action", "complete")
    assert page.locator("#bulk input[name=note]").is_visible()
    assert not page.locator("#bulk input[name=reason]").is_visible()
    page.fill("#bulk input[name=note]", "月底前统一对账")
    page.click("#bulk button[type=submit]")
    page.wait_for_url("**/worklist?*done=*")
    assert page.locator(".flash").inner_text() == "3 task(s) completed."
    assert "q=" in page.url  # back to the list as it was filtered
    assert page.locator("#worklist li.task").count() == 0
    with Session(db) as s:
        notes = s.execute(select(Task.note).where(Task.status == "done")).scalars().all()
    assert sorted(notes) == ["月底前统一对账"] * 3
    page.context.close()


def test_the_worklist_fits_a_phone(browser, served) -> None:  # type: ignore[no-untyped-def]
    page = _tab(browser, served, 390, 844, "zh-CN")
    sign_in(page, "li.na")
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-CN")  # her setting, from now on
    assert "工作清单" in page.locator("h1").inner_text()
    rows = page.locator("#worklist li.task")
    assert rows.count() == 4
    width = "document.documentElement.scrollWidth"
    assert page.evaluate(width) <= 390
    rows.first.locator(".c-kind").click()  # unfolded, with its invoices table
    assert rows.first.locator("a.invoice").first.is_visible()
    rows.first.locator("input[name=task]").check()  # the bulk form opens
    assert page.locator("#bulk-action").is_visible()
    assert page.evaluate(width) <= 390
    assert rows.first.locator(".c-risk").bounding_box()["x"] + 10 < 390  # type: ignore[index]
    screenshot(page, "worklist-390")
    page.context.close()

    desk = _tab(browser, served, 1280, 900, "zh-CN")
    sign_in(desk, "li.na")
    desk.locator("#worklist li.task").first.locator(".c-kind").click()
    assert desk.evaluate(width) <= 1280
    screenshot(desk, "worklist-desktop")
    desk.context.close()


def test_find_by_part_of_the_chinese_name_log_a_call_and_its_task_closes(
        browser, served, db: Engine) -> None:  # type: ignore[no-untyped-def]
    page = _tab(browser, served, 1280, 900, "zh-CN")
    sign_in(page, "li.na")
    page.fill("input[name=q]", "朝阳")  # part of 北京朝阳科技有限公司
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/worklist?*q=*")
    rows = page.locator("#worklist li.task")
    assert rows.count() == 1 and rows.first.locator("a.customer").inner_text() == "C004"
    rows.first.locator("a.customer").click()
    page.wait_for_url("**/customers/C004")
    form = page.locator("#form-call")
    form.locator("select[name=outcome]").select_option("reached")
    form.locator("input[name=note]").fill("答应周五付款")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/customers/C004?done=*")
    assert "答应周五付款" in page.locator("#timeline").inner_text()
    page.goto("/worklist")
    codes = [c.inner_text() for c in page.locator("#worklist li.task a.customer").all()]
    assert "C004" not in codes and "C003" in codes  # her call task on C004 is done
    with Session(db) as s:
        task = s.execute(select(Task).join(Customer, Customer.id == Task.customer_id)
                         .where(Customer.code == "C004")).scalar_one()
    assert (task.status, task.kind) == ("done", "call")
    assert "答应周五付款" in task.note
    page.context.close()
