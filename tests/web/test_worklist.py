"""The worklist, receivable, customer and message pages as a signed-in collector sees them."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlmodel import Session

from ledger.models import Outbox, Task
from tests.web.portfolio import DAY, TestClient, app_on_day, build, people, sign_in


@pytest.fixture
def app(db_url: str, db: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    build(db, tmp_path, mail=True)
    people(db, ("li.na", "collector"), ("zhou.mgr", "credit_manager"))
    people(db, ("wang.wei", "collector"), language="zh-CN")
    return app_on_day(db_url, db, tmp_path)


def _invoices(page: str) -> list[str]:
    return re.findall(r'class="invoice" href="/receivables/([^"]+)"', page)


def _stat(page: str, name: str) -> str:
    found = re.search(rf'id="count-{name}">([^<]+)<', page)
    assert found is not None
    return found.group(1)


def test_worklist_orders_by_priority_counts_and_filters(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(db) as s:  # one task due today, one already late
        s.execute(update(Task).where(Task.assignee == "li.na", Task.id == 1).values(due_date=DAY))
        s.execute(update(Task).where(Task.assignee == "li.na", Task.id == 2)
                  .values(due_date=DAY.replace(day=20)))
        s.commit()
    with TestClient(app) as browser:
        sign_in(browser, "li.na")
        page = browser.get("/worklist").text
        assert _invoices(page) == ["R-1", "R-2"]
        assert (_stat(page, "today"), _stat(page, "overdue"), _stat(page, "total")) == (
            "1", "1", "2")
        assert "stage:escalated" in page and "CN¥50,000.00" in page
        filtered = browser.get("/worklist", params={"customer": "C002"}).text
        assert _invoices(filtered) == [] and _stat(filtered, "total") == "0"
        assert _invoices(browser.get("/worklist", params={"stage": "escalated",
                                                          "kind": "call"}).text) == ["R-1", "R-2"]
        snooping = browser.get("/worklist", params={"assignee": "wang.wei"})
        assert snooping.status_code == 403
    with TestClient(app) as browser:
        sign_in(browser, "zhou.mgr")
        assert _invoices(browser.get("/worklist", params={"assignee": "wang.wei"}).text) == [
            "R-4"]


def test_pager_keeps_the_filters(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(db) as s:
        s.add_all([Task(kind="call", customer_id=1, assignee="li.na", due_date=DAY,
                        created_on=DAY) for _ in range(55)])
        s.commit()
    with TestClient(app) as browser:
        sign_in(browser, "li.na")
        first = browser.get("/worklist", params={"customer": "C001"}).text
        assert _stat(first, "total") == "57"
        following = re.search(r'<a href="(\?[^"]+)">Next</a>', first)
        assert following is not None
        link = html.unescape(following.group(1))
        assert "customer=C001" in link and "offset=50" in link
        assert len(re.findall(r'class="task"', browser.get("/worklist" + link).text)) == 7


def test_receivable_page_shows_facts_and_one_timeline(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as browser:
        csrf = sign_in(browser, "li.na")
        browser.post("/receivables/R-1/calls",
                     data={"csrf_token": csrf, "outcome": "no_answer", "note": "rang twice"})
        page = browser.get("/receivables/R-1").text
        for fact in ("CN¥50,000.00", "83", "C001", "li.na", "Escalated"):
            assert fact in page, fact
        timeline = page[page.index('id="timeline"'):]
        assert timeline.index("No answer: rang twice") < timeline.index("Current → Due soon")
        assert "stage:escalated" in timeline and "Call the customer" in timeline
        message = re.search(r'href="/messages/(\d+)"', timeline)
        assert message is not None
        shown = browser.get(f"/messages/{message.group(1)}").text
        assert 'sandbox=""' in shown and 'srcdoc="&lt;' in shown
        assert "ap@huadong.example.cn" in shown
        assert "<table" not in shown.split('srcdoc="')[1].split('"')[0]  # escaped, not injected
        assert browser.get("/receivables/R-4").status_code == 404
        with Session(db) as s:
            theirs = s.execute(select(Outbox.id).where(Outbox.to_addr.like("%acme%"))).scalar()
        assert browser.get(f"/messages/{theirs}").status_code == 404


def test_customer_page_in_chinese_with_pause(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as browser:
        csrf = sign_in(browser, "wang.wei")
        browser.post("/customers/C002/pause",
                     data={"csrf_token": csrf, "reason": "客户重组", "until": "2026-12-31"})
        page = browser.get("/customers/C002").text
        assert "已暂停催款" in page and "客户重组" in page and "US$20,000.00" in page
        assert "R-4" in page and "R-5" in page and "信用额度" in page
        assert browser.get("/customers/C001").status_code == 404
