"""The worklist, receivable, customer and message pages as a signed-in collector sees them:
one worklist row per customer task with its invoices, contact, promise and last contact;
the search over code and name; the filters kept in the pager. On both databases."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.models import (
    Contact,
    Customer,
    Outbox,
    Promise,
    PromiseReceivable,
    Receivable,
    Task,
    TaskReceivable,
)
from tests.web.portfolio import DAY, TestClient, app_on_day, build, people, sign_in


@pytest.fixture
def app(db_url: str, db: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    build(db, tmp_path, mail=True)
    people(db, ("li.na", "collector"), ("zhou.mgr", "credit_manager"))
    people(db, ("wang.wei", "collector"), language="zh-CN")
    return app_on_day(db_url, db, tmp_path)


def _rows(page: str) -> list[str]:
    """Each worklist row's HTML, in order."""
    return re.findall(r'<li class="task".*?</details>\s*</li>', page, re.S)


def _customers(page: str) -> list[str]:
    return re.findall(r'class="customer" href="/customers/([^"]+)"', page)


def _invoices(row: str) -> list[str]:
    return re.findall(r'class="invoice" href="/receivables/([^"]+)"', row)


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _stat(page: str, name: str) -> str:
    found = re.search(rf'id="count-{name}">([^<]+)<', page)
    assert found is not None
    return found.group(1)


def test_one_row_per_customer_task_with_what_a_call_needs(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(db) as s:
        s.add_all([Contact(customer_id=1, name="王经理", phone="021-6234 5678"),
                   Contact(customer_id=1, name="李会计", role="财务", mobile="+86 138 0013 8000",
                           billing=True)])
        promise = Promise(customer_id=1, promised_date=date(2026, 11, 30),
                          amount=Decimal("8000.00"), created_on=DAY)
        s.add(promise)
        s.flush()
        s.add(PromiseReceivable(promise_id=promise.id, receivable_id=2))
        s.commit()
    with TestClient(app) as browser:
        csrf = sign_in(browser, "li.na")
        browser.post("/receivables/R-1/notes",
                     data={"csrf_token": csrf, "text": "sent a statement"})
        page = browser.get("/worklist").text
        rows = _rows(page)
        assert len(rows) == 1 and _customers(page) == ["C001"]  # one call task
        row = rows[0]
        assert _invoices(row) == ["R-1", "R-2"]  # oldest due first, in the expanded part
        shown = _text(row)
        for fact in ("上海华东机电有限公司", "李会计", "+86 138 0013 8000", "2 invoices",
                     "oldest 83 days late", "CN¥58,000.00", "to pay by 30 Nov 2026 CN¥8,000.00",
                     "Note", "Call the customer", "Escalated", "CN¥50,000.00", "CN¥8,000.00"):
            assert fact in shown, fact
        assert 'href="tel:+8613800138000"' in row  # the billing contact, dialable
        assert re.search(r'<span class="c-last">.*Note.*li\.na', row, re.S)
        assert (_stat(page, "today"), _stat(page, "overdue"), _stat(page, "total")) == (
            "0", "0", "1")
        assert _customers(browser.get("/worklist", params={"customer": "C002"}).text) == []
        assert _customers(browser.get("/worklist", params={"stage": "escalated",
                                                           "kind": "call"}).text) == ["C001"]
        assert _customers(browser.get("/worklist", params={"stage": "overdue"}).text) == []
        assert browser.get("/worklist", params={"assignee": "wang.wei"}).status_code == 403
    with TestClient(app) as browser:
        sign_in(browser, "zhou.mgr")
        theirs = browser.get("/worklist", params={"assignee": "wang.wei"}).text
        assert _customers(theirs) == ["C002"] and "Not contacted yet" in theirs
        assert _invoices(_rows(theirs)[0]) == ["R-4"] and "No contact yet" in theirs


def test_search_by_part_of_a_code_or_name_any_case(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as browser:
        sign_in(browser, "li.na")
        for found in ("华东机电", "机电", "c00", "C001", "上海"):
            page = browser.get("/worklist", params={"q": found}).text
            assert _customers(page) == ["C001"], found
            assert f'name="q" value="{found.strip()}"' in page  # the box keeps it
        nothing = browser.get("/worklist", params={"q": "acme"}).text
        assert _customers(nothing) == [] and _stat(nothing, "total") == "0"
    with TestClient(app) as browser:
        sign_in(browser, "zhou.mgr")
        for found in ("acme", "ACME trad", "c002", "Trading"):
            page = browser.get("/worklist", params={"q": found, "assignee": "wang.wei"}).text
            assert _customers(page) == ["C002"], found
        assert _customers(browser.get("/worklist", params={"q": "华东",
                                                           "assignee": "wang.wei"}).text) == []


def test_pager_keeps_the_filters(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(db) as s:  # 55 more customers of li.na's, each with a task to call
        s.add_all([Customer(code=f"H{n:03d}", name=f"华东分公司{n}", collector="li.na")
                   for n in range(55)])
        s.flush()
        ids = s.execute(select(Customer.id).where(Customer.code.like("H%"))).scalars()
        s.add_all([Task(kind="call", customer_id=cid, assignee="li.na", due_date=DAY,
                        created_on=DAY) for cid in ids])
        s.commit()
    with TestClient(app) as browser:
        sign_in(browser, "li.na")
        first = browser.get("/worklist", params={"q": "华东", "kind": "call"}).text
        assert _stat(first, "total") == "56" and len(_rows(first)) == 50
        following = re.search(r'<a href="([^"]+)">Next</a>', first)
        assert following is not None
        link = html.unescape(following.group(1))
        assert link.startswith("/worklist?") and "offset=50" in link and "kind=call" in link
        assert "q=%E5%8D%8E%E4%B8%9C" in link  # 华东
        second = browser.get(link).text
        assert len(_rows(second)) == 6 and 'name="q" value="华东"' in second
        back = re.search(r'<a href="([^"]+)">Previous</a>', second)
        assert back is not None and "q=%E5%8D%8E%E4%B8%9C" in html.unescape(back.group(1))
        # a form's way back is the page as filtered
        assert 'name="back" value="/worklist?kind=call&amp;q=%E5%8D%8E%E4%B8%9C&amp;offset=50"' \
            in second


def test_a_big_account_unfolds_its_oldest_invoices(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(db) as s:  # 14 invoices in one task: 12 shown, the rest on its page
        customer = Customer(code="C009", name="广州天河物流有限公司", collector="li.na")
        s.add(customer)
        s.flush()
        task = Task(kind="legal_handover", customer_id=customer.id, assignee="li.na",
                    due_date=DAY, created_on=DAY)
        invoices = [Receivable(number=f"G-{n:02d}", customer_id=customer.id,
                               issue_date=date(2026, 6, 1), due_date=date(2026, 7, n + 1),
                               amount=Decimal("1000"), balance=Decimal("1000"),
                               stage="legal", stage_since=DAY) for n in range(14)]
        s.add_all([task, *invoices])
        s.flush()
        s.add_all([TaskReceivable(task_id=task.id, receivable_id=r.id, added_on=DAY)
                   for r in invoices])
        s.commit()
    with TestClient(app) as browser:
        sign_in(browser, "li.na")
        page = browser.get("/worklist", params={"q": "天河"}).text
        row = _rows(page)[0]
        assert _invoices(row) == [f"G-{n:02d}" for n in range(12)]
        assert "14 invoices" in _text(row) and "All 14 invoices on the customer" in _text(row)


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
