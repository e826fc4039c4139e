"""Customer promises and payment plans in a real browser, on the customer page: a promise
on the account stops the reminders of what it covers; a plan whose instalment is missed
breaks and the reminders resume; a promise over the balance is refused on the same form
with what was typed kept. Screenshots: tests/artifacts/promise-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from ledger.models import Outbox, PaymentPlan, Promise, Task
from tests.e2e.conftest import english_tab, screenshot, sign_in
from tests.factories import load, write
from tests.web.portfolio import DAY, MAIL, POLICY, app_on_day, build, people
from workflows.cycle import run_cycle


@pytest.fixture
def tab(browser: object, db_url: str, db: Engine, tmp_path: Path) -> Iterator[object]:
    """DAY's portfolio with its reminders queued (C001: R-1 50,000, R-2 8,000, R-3 3,000),
    served as on DAY, in an English tab."""
    build(db, tmp_path, mail=True)
    people(db, ("li.na", "collector"))
    with english_tab(browser, app_on_day(db_url, db, tmp_path)) as page:
        yield page


def _mailed(db: Engine, day: date) -> set[str]:
    with Session(db) as s:
        rows = s.execute(select(Outbox.items).where(Outbox.for_date == day,
                                                    Outbox.status != "cancelled")).scalars()
        return {item["invoice"] for items in rows for item in items}


def _open_customer(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "li.na")
    page.goto("/customers/C001")
    page.wait_for_load_state()


def test_a_customer_promise_stops_the_reminders_of_what_it_covers(tab, db: Engine) -> None:  # type: ignore[no-untyped-def]
    page = tab
    _open_customer(page)
    form = page.locator("#form-customer-promise")
    promised = DAY + timedelta(days=7)
    form.locator("input[name=date]").fill(promised.isoformat())
    form.locator("input[name=amount]").fill("55,000")  # oldest due first
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/customers/C001?done=*")
    assert "Promise recorded" in page.locator(".flash").inner_text()
    panel = page.locator("#promises").inner_text()
    assert "to pay CN¥55,000.00 by 30 Nov 2026" in panel and "R-1, R-2" in panel
    assert "to pay by 30 Nov 2026" in page.locator("#timeline").inner_text()
    screenshot(page, "promise-customer")
    assert not _mailed(db, DAY) & {"R-1", "R-2"}  # C001's queued statement withdrawn
    run_cycle(db, POLICY, DAY + timedelta(days=1), mail=MAIL)
    mailed = _mailed(db, DAY + timedelta(days=1))
    assert not mailed & {"R-1", "R-2"}  # promised: no reminder for either


def test_a_plan_with_a_missed_instalment_breaks_and_reminders_resume(
        tab, db: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tab
    _open_customer(page)
    form = page.locator("#form-plan")
    first, second = DAY + timedelta(days=3), DAY + timedelta(days=10)
    form.locator("input[name=date]").nth(0).fill(first.isoformat())
    form.locator("input[name=amount]").nth(0).fill("25,000")
    form.locator("input[name=date]").nth(1).fill(second.isoformat())
    form.locator("input[name=amount]").nth(1).fill("25,000")
    form.locator("summary").click()
    form.locator("input[name=invoices][value='R-1']").check()
    form.locator("input[name=note]").fill("two halves, agreed by phone")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/customers/C001?done=*")
    plan = page.locator("#promises .plan")
    assert plan.locator("tbody tr").count() == 2 and "open" in plan.inner_text()
    # the first instalment is paid on time, the second is not: broken the day after it
    load(db, "payments", write(tmp_path / "p.csv", "reference,customer_code,date,amount\n"
                               f"P-1,C001,{first.isoformat()},25000\n"))
    for offset in range(1, 12):
        day = DAY + timedelta(days=offset)
        run_cycle(db, POLICY, day, mail=MAIL)
        if day <= second:
            assert "R-1" not in _mailed(db, day)
    broke = second + timedelta(days=1)
    # no longer promised: its reminder goes out again, once C001's catch-up gap allows
    # (a message at most every 5 business days while a customer catches up)
    day, mailed = broke, "R-1" in _mailed(db, broke)
    while not mailed and day < broke + timedelta(days=9):
        day += timedelta(days=1)
        run_cycle(db, POLICY, day, mail=MAIL)
        mailed = "R-1" in _mailed(db, day)
    assert mailed  # reminders resume
    with Session(db) as s:
        assert s.execute(select(PaymentPlan.status)).scalar_one() == "broken"
        assert s.execute(select(func.count()).select_from(Task).where(
            Task.rule_id == "plan:broken", Task.status == "open")).scalar_one() == 1
    page.reload()
    plan = page.locator("#promises .plan")
    rows = plan.locator("tbody tr")
    assert [rows.nth(i).locator("td").nth(3).inner_text().split()[0] for i in range(2)] == [
        "kept", "broken"]
    assert "Payment plan broken" in page.locator("#timeline").inner_text()
    screenshot(page, "promise-plan-broken")


def test_a_promise_over_the_balance_is_refused_on_the_same_form(tab, db: Engine) -> None:  # type: ignore[no-untyped-def]
    page = tab
    _open_customer(page)
    form = page.locator("#form-customer-promise")
    promised = (DAY + timedelta(days=7)).isoformat()
    form.locator("input[name=date]").fill(promised)
    form.locator("input[name=amount]").fill("9,500.00")
    form.locator("summary").click()
    form.locator("input[name=invoices][value='R-2']").check()
    with page.expect_response("**/customers/C001/promises") as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 422
    page.wait_for_load_state()
    form = page.locator("#form-customer-promise")
    error = form.locator("#form-customer-promise-amount-error")
    assert "at most the balance" in error.inner_text()
    assert "9,500.00 is more than the 8,000.00 owed on the invoices covered" in error.inner_text()
    assert form.locator("input[name=amount]").input_value() == "9,500.00"
    assert form.locator("input[name=date]").input_value() == promised
    assert form.locator("input[name=invoices][value='R-2']").is_checked()
    assert not form.locator("input[name=invoices][value='R-1']").is_checked()
    error.scroll_into_view_if_needed()
    screenshot(page, "promise-over-balance")
    with Session(db) as s:
        assert s.execute(select(func.count()).select_from(Promise)).scalar_one() == 0
    form.locator("input[name=amount]").fill("8000")  # corrected, it goes through
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/customers/C001?done=*")
    with Session(db) as s:
        assert s.execute(select(func.count()).select_from(Promise)).scalar_one() == 1
