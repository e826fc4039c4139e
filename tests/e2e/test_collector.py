"""A collector's day in a real browser: the worklist's top task, a promise recorded on its
invoice, and the next day's cycle sends no reminder for it (but does for the others)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.models import Outbox, Promise
from tests.e2e.conftest import english_tab, screenshot, sign_in
from tests.web.portfolio import DAY, MAIL, POLICY, app_on_day, build, people
from workflows.cycle import run_cycle


@pytest.fixture
def tab(browser: object, db_url: str, db: Engine, tmp_path: Path) -> Iterator[object]:
    """DAY's portfolio with its reminders queued, served as on DAY, in an English tab."""
    build(db, tmp_path, mail=True)
    people(db, ("li.na", "collector"))
    with english_tab(browser, app_on_day(db_url, db, tmp_path)) as page:
        yield page


def _invoices_mailed(db: Engine, day: object) -> set[str]:
    with Session(db) as s:
        rows = s.execute(select(Outbox.items).where(Outbox.for_date == day,
                                                    Outbox.status != "cancelled")).scalars()
        return {item["invoice"] for items in rows for item in items}


def test_promise_on_the_top_task_stops_its_reminder(tab, db: Engine) -> None:  # type: ignore[no-untyped-def]
    page = tab
    sign_in(page, "li.na")
    assert page.url.endswith("/worklist")
    rows = page.locator("#worklist li.task")
    assert rows.count() == 1  # one call task on C001
    assert rows.first.locator("a.customer").inner_text() == "C001"
    rows.first.locator(".c-kind").click()  # unfolded: its invoices, oldest due first
    assert rows.first.locator("a.invoice").first.inner_text() == "R-1"
    assert "stage:escalated" in rows.first.inner_text()
    assert page.locator("#count-total").inner_text().startswith("1")
    screenshot(page, "worklist")

    rows.first.locator("a.invoice").first.click()
    page.wait_for_url("**/receivables/R-1")
    assert "CN¥50,000.00" in page.locator("#facts").inner_text()
    promised = DAY + timedelta(days=7)
    page.fill("#form-promise input[name=date]", promised.isoformat())
    page.click("#form-promise button[type=submit]")
    page.wait_for_url("**/receivables/R-1?done=*")
    assert "Promise recorded" in page.locator(".flash").inner_text()
    assert "to pay by 30 Nov 2026" in page.locator("#timeline").inner_text()
    screenshot(page, "receivable")
    with Session(db) as s:
        promise = s.execute(select(Promise)).scalar_one()
    assert (promise.promised_date, promise.status) == (promised, "open")

    assert _invoices_mailed(db, DAY) == {"R-4"}  # C001's statement (R-1, R-2) withdrawn
    run_cycle(db, POLICY, DAY + timedelta(days=1), mail=MAIL)
    mailed = _invoices_mailed(db, DAY + timedelta(days=1))
    assert "R-1" not in mailed  # promised: no reminder
    assert "R-2" in mailed  # same customer, no promise: its reminder goes out
