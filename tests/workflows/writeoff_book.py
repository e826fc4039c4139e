"""A small ledger for the write-off tests, made without running the cycle: C001 (li.na)
owes R-1 50,000.00 (overdue, an open red warning, an unsent reminder, in li.na's call task
with R-2, covered by an open promise), R-2 8,000.00 and R-3 3,000.00; C002 (wang.wei) owes
R-4 20,000.00 USD."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, select, update
from sqlmodel import Session

from ledger import task_store
from ledger.models import (
    Outbox,
    Promise,
    PromiseReceivable,
    Receivable,
    Reminder,
    RiskWarning,
)
from tests.factories import load, seed_customers, write

DAY = date(2026, 11, 23)
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "R-1,C001,2026-07-01,2026-09-01,50000.00,CNY\n"
    "R-2,C001,2026-08-10,2026-10-10,8000.00,CNY\n"
    "R-3,C001,2026-10-01,2026-11-30,3000.00,CNY\n"
    "R-4,C002,2026-08-01,2026-09-15,20000.00,USD\n"
)


def ids(session: Session) -> dict[str, int]:
    return {n: i for n, i in session.execute(select(Receivable.number, Receivable.id))}


def build(engine: Engine, tmp_path: Path) -> None:
    seed_customers(engine, tmp_path)
    load(engine, "receivables", write(tmp_path / "receivables.csv", RECEIVABLES))
    with Session(engine) as s:
        rid = ids(s)
        r1 = s.get(Receivable, rid["R-1"])
        assert r1 is not None
        customer = r1.customer_id
        s.execute(update(Receivable).where(Receivable.number.in_(["R-1", "R-2"]))
                  .values(stage="overdue"))
        s.add(RiskWarning(rule_id="big-overdue", level="red", scope="receivable",
                          subject="R-1", customer_id=customer, receivable_id=rid["R-1"],
                          opened_on=DAY - timedelta(days=3)))
        mail = Outbox(key="reminder-C001-1", customer_id=customer, for_date=DAY,
                      template="reminder", language="zh-CN", to_addr="ap@huadong.example.cn",
                      status="pending", step="overdue", subject="R-1")
        s.add(mail)
        s.flush()
        s.add(Reminder(receivable_id=rid["R-1"], step="overdue", for_date=DAY,
                       outbox_id=mail.id))
        promise = Promise(customer_id=customer, promised_date=DAY + timedelta(days=7),
                          amount=None, balance_at_promise=None, status="open",
                          created_on=DAY - timedelta(days=1))
        s.add(promise)
        s.flush()
        s.add(PromiseReceivable(promise_id=promise.id, receivable_id=rid["R-1"]))
        task_store.open_tasks(s, [task_store.task_row(
            "call", customer_id=customer, receivable_ids=[rid["R-1"], rid["R-2"]],
            assignee="li.na", due_date=DAY, rule_id="call-overdue", policy_hash="",
            created_on=DAY - timedelta(days=1))])
        s.commit()
