"""Reminders go to the billing contacts: the oldest billing contact with an email is To:,
the other billing contacts are copied before the policy's cc, each address once; a
customer without one is written to at its own email; with neither, a
fix_contact_details task opens. The contacts are read in a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select
from sqlmodel import Session

from engine import load_policy
from ledger import reminder_store
from ledger.models import Customer, Outbox, Task
from tests.factories import load, mail_setup, write
from workflows import contacts
from workflows.cycle import run_cycle

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy(ROOT / "rules")
DAY = date(2026, 11, 23)  # a Monday; invoices due 10-29 are 25 days late: the final notice
CUSTOMERS = (
    "code,name,email,language,segment,country,credit_limit,payment_terms_days,collector\n"
    "C001,上海华东机电有限公司,ap@huadong.example.cn,zh-CN,manufacturing,CN,500000,45,li.na\n"
    "C002,Acme Trading Ltd,billing@acme.example.com,en,export,US,200000,45,wang.wei\n"
    "C003,无邮箱公司,,zh-CN,retail,CN,10000,30,li.na\n"
    "C004,只有联系人公司,,zh-CN,retail,CN,10000,30,li.na\n"
)
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "R-1,C001,2026-09-29,2026-10-29,5000.00,CNY\n"
    "R-2,C002,2026-09-29,2026-10-29,800.00,USD\n"
    "R-3,C003,2026-09-29,2026-10-29,3000.00,CNY\n"
    "R-4,C004,2026-09-29,2026-10-29,3000.00,CNY\n"
)
PEOPLE = (  # (customer, name, email, billing), added in this order
    ("C001", "赵敏", "zhaomin@huadong.example.cn", False),  # buys: never written to
    ("C001", "张伟", "zhangwei@huadong.example.cn", True),  # the oldest billing: To
    ("C001", "李强", "", True),  # billing without an address: skipped
    ("C001", "王芳", "wangfang@huadong.example.cn", True),  # copied
    ("C001", "张伟 (2)", "ZhangWei@huadong.example.cn", True),  # same address: once
    ("C002", "Emily Carter", "emily@acme.example.com", False),  # no billing contact
    ("C003", "周杰", "", True),  # billing, but no address anywhere
    ("C004", "吴磊", "wulei@example.cn", True),
)


@pytest.fixture
def book(db: Engine, tmp_path: Path) -> Engine:
    load(db, "customers", write(tmp_path / "c.csv", CUSTOMERS))
    load(db, "receivables", write(tmp_path / "r.csv", RECEIVABLES))
    with Session(db) as s:
        for code, name, email, billing in PEOPLE:
            contacts.add_contact(s, code, {"name": name, "email": email, "billing": billing},
                                 on_date=DAY, actor="test")
        s.commit()
    return db


def _written_before(db: Engine, step: str, on: date) -> None:
    """Every customer already had a message at ``step`` (sent), so today's rule applies
    and not the catch-up from a first message."""
    with Session(db) as s:
        for customer in s.execute(select(Customer)).scalars():
            s.add(Outbox(key=f"{customer.code}|{step}|{on}", customer_id=customer.id,
                         for_date=on, template="overdue_first", language="zh-CN",
                         status="sent", step=step, items=[]))
        s.commit()


def test_the_days_reminders_go_to_the_billing_contacts(book: Engine) -> None:
    _written_before(book, "first-notice", DAY - timedelta(days=20))
    run_cycle(book, POLICY, DAY, mail=mail_setup())
    with Session(book) as s:
        mail = {row.key.split("|")[0]: (row.to_addr, row.cc, row.language, row.step)
                for row in s.execute(select(Outbox).where(Outbox.for_date == DAY)).scalars()}
        fix = s.execute(select(Task.customer_id, Task.assignee)
                        .where(Task.kind == "fix_contact_details")).all()
    assert mail == {
        "C001": ("zhangwei@huadong.example.cn",
                 ["wangfang@huadong.example.cn", "li.na@example.com"], "zh-CN",
                 "final-notice"),
        "C002": ("billing@acme.example.com", ["wang.wei@example.com"], "en", "final-notice"),
        "C004": ("wulei@example.cn", ["li.na@example.com"], "zh-CN", "final-notice"),
    }
    assert [tuple(t) for t in fix] == [(3, "li.na")]  # C003: neither contact nor email


def test_recipients_rule() -> None:
    own = "ap@x.cn"
    assert reminder_store.recipients(own, []) == (own, ())
    assert reminder_store.recipients("", []) == ("", ())
    assert reminder_store.recipients(own, ["a@x.cn", "b@x.cn", "A@X.cn", "b@x.cn"]) == (
        "a@x.cn", ("b@x.cn",))


def _statements(db: Engine, action) -> int:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db, "before_cursor_execute", count)
    try:
        with Session(db) as s:
            action(s)
    finally:
        event.remove(db, "before_cursor_execute", count)
    return len(seen)


def test_contacts_are_read_in_the_same_few_queries_for_any_portfolio(book: Engine,
                                                                     tmp_path: Path) -> None:
    small = _statements(book, lambda s: reminder_store.contacts(s, DAY))
    more = "code,name,email\n" + "".join(f"X{i:03d},客户{i},ap{i}@x.cn\n" for i in range(60))
    load(book, "customers", write(tmp_path / "more.csv", more))
    with Session(book) as s:
        for i in range(60):
            contacts.add_contact(s, f"X{i:03d}", {"name": "会计", "email": f"kj{i}@x.cn",
                                                  "billing": True}, on_date=DAY, actor="t")
        s.commit()
    assert _statements(book, lambda s: reminder_store.contacts(s, DAY)) == small <= 3
    with Session(book) as s:
        found = reminder_store.contacts(s, DAY)
    assert {(c.code, c.email, c.cc) for c in found.values() if c.code in ("C001", "X007")} == {
        ("C001", "zhangwei@huadong.example.cn", ("wangfang@huadong.example.cn",)),
        ("X007", "kj7@x.cn", ())}
