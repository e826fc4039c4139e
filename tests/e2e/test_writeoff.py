"""A write-off in a real browser: the collector proposes it on the receivable page, the
credit manager approves it on /writeoffs, and the receivable shows written off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.models import Receivable, WriteOff
from tests.e2e.conftest import english_tab, screenshot, sign_in
from tests.web.portfolio import app_on_day, people
from tests.workflows.writeoff_book import build


@pytest.fixture
def tab(browser: object, db_url: str, db: Engine, tmp_path: Path) -> Iterator[object]:
    build(db, tmp_path)
    people(db, ("li.na", "collector"), ("zhou", "credit_manager"))
    with english_tab(browser, app_on_day(db_url, db, tmp_path)) as page:
        yield page


def test_collector_proposes_and_credit_manager_approves(tab, db: Engine) -> None:  # type: ignore[no-untyped-def]
    page = tab
    sign_in(page, "li.na")
    page.goto("/receivables/R-1")
    form = page.locator("#form-writeoff")
    assert form.locator("input[name=amount]").input_value() == "50000.00"  # the balance
    assert page.locator("nav a[href='/writeoffs']").count() == 0
    form.locator("input[name=reason]").fill("customer insolvent, liquidator confirms")
    form.locator("input[name=amount]").fill("60,000.00")  # more than is owed: refused inline
    with page.expect_response("**/receivables/R-1/writeoffs") as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 422
    page.wait_for_load_state()
    assert "at most the balance" in page.locator("#form-writeoff-amount-error").inner_text()
    assert form.locator("input[name=reason]").input_value() == (
        "customer insolvent, liquidator confirms")
    screenshot(page, "writeoff-form-error")
    form.locator("input[name=amount]").fill("50,000.00")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/receivables/R-1?done=*")
    assert "waits for a credit manager" in page.locator(".flash").inner_text()
    assert page.locator("#writeoff-waiting").is_visible()
    assert page.locator("#writeoff-list").inner_text().count("waiting") == 1
    screenshot(page, "writeoff-proposed")

    page.context.clear_cookies()  # the credit manager, in the same browser
    sign_in(page, "zhou")
    page.click("nav a[href='/writeoffs']")
    page.wait_for_url("**/writeoffs")
    card = page.locator("#writeoff-1")
    assert "R-1" in card.locator("h2").inner_text()
    assert "CN¥50,000.00" in card.inner_text() and "customer insolvent" in card.inner_text()
    screenshot(page, "writeoff-queue")
    page.fill("#form-approve-1 input[name=note]", "liquidation, nothing to recover")
    page.click("#form-approve-1 button[type=submit]")
    page.wait_for_url("**/writeoffs?done=*")
    assert "R-1: write-off approved." in page.locator(".flash").inner_text()
    assert page.locator("#writeoffs-none").is_visible()  # the queue is empty

    page.goto("/receivables/R-1")
    assert page.locator("#stage").inner_text() == "Written off"
    assert "CN¥0.00" in page.locator("#facts").inner_text()
    assert "approved" in page.locator("#writeoff-list").inner_text()
    assert page.locator("#form-writeoff").count() == 0
    timeline = page.locator("#timeline").inner_text()
    assert "Write-off approved" in timeline and "Written off" in timeline
    screenshot(page, "writeoff-approved")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: no sideways scrolling
    for path in ("/receivables/R-1", "/writeoffs?status=approved"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    screenshot(page, "writeoff-phone")
    with Session(db) as s:
        r1 = s.execute(select(Receivable).where(Receivable.number == "R-1")).scalar_one()
        decided = s.execute(select(WriteOff.decided_by)).scalar_one()
    assert (r1.stage, r1.balance, decided) == ("written_off", 0, "web:zhou")
