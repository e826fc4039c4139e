"""Customer promises and payment plans (workflows/promises.py): what a promise covers,
what it refuses, what it supersedes, and how the daily cycle keeps or breaks it.

The portfolio is tests/web/portfolio.py: li.na's C001 owes R-1 (50,000, due 09-01),
R-2 (8,000, due 10-10) and R-3 (3,000, due 11-30), CNY; DAY (Monday 2026-11-23) has
run with mail, so C001's statement (R-1, R-2) waits in the outbox and R-1 and R-2 are in
li.na's open call task.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.db import session_scope
from ledger.facts import customer_facts
from ledger.models import (
    Activity,
    Outbox,
    PaymentPlan,
    Promise,
    PromiseReceivable,
    Receivable,
    Task,
    TaskReceivable,
)
from tests.factories import load, write
from tests.web.portfolio import DAY, MAIL, POLICY, build, people
from workflows.cycle import run_cycle
from workflows.errors import Invalid
from workflows.lifecycle import IllegalMove
from workflows.promises import (
    PLAN_BROKEN_RULE,
    expire_promises,
    record_customer_promise,
    record_plan,
    record_promise,
)

D = Decimal


@pytest.fixture
def ledger(db: Engine, tmp_path: Path) -> Engine:
    build(db, tmp_path, mail=True)
    people(db, ("li.na", "collector"))
    return db


def _covers(db: Engine, promise_id: int) -> list[str]:
    with Session(db) as s:
        return list(s.execute(
            select(Receivable.number).join(PromiseReceivable,
                                           PromiseReceivable.receivable_id == Receivable.id)
            .where(PromiseReceivable.promise_id == promise_id)
            .order_by(Receivable.number)).scalars())


def _promises(db: Engine) -> list[Promise]:
    with Session(db) as s:
        return list(s.execute(select(Promise).order_by(Promise.id)).scalars())


def _audit(db: Engine, action: str) -> list[Activity]:
    with Session(db) as s:
        return list(s.execute(select(Activity).where(Activity.action == action)
                              .order_by(Activity.id)).scalars())


def _mailed(db: Engine, day: date) -> set[str]:
    """The invoices in the messages planned for ``day`` and not withdrawn."""
    with Session(db) as s:
        rows = s.execute(select(Outbox.items).where(Outbox.for_date == day,
                                                    Outbox.status != "cancelled")).scalars()
        return {item["invoice"] for items in rows for item in items}


def _pay(db: Engine, tmp_path: Path, *payments: tuple[str, date, str]) -> None:
    """Payments by C001 (not tied to an invoice: they settle the oldest first)."""
    lines = "".join(f"{ref},C001,{day.isoformat()},{amount}\n" for ref, day, amount in payments)
    load(db, "payments", write(tmp_path / f"pay-{payments[0][0]}.csv",
                               "reference,customer_code,date,amount\n" + lines))


def test_a_customer_promise_covers_open_invoices_oldest_due_first(ledger: Engine) -> None:
    with session_scope(ledger) as s:
        just_r1 = record_customer_promise(s, "C001", DAY + timedelta(days=5), D("50000"), DAY,
                                          "test")
    assert just_r1.receivables == ("R-1",) and _covers(ledger, just_r1.promise_ids[0]) == ["R-1"]
    with session_scope(ledger) as s:
        more = record_customer_promise(s, "C001", DAY + timedelta(days=5), D("50000.01"), DAY,
                                       "test")
    assert more.receivables == ("R-1", "R-2") and more.covered_balance == D("58000")
    assert more.superseded == just_r1.promise_ids  # the same receivable: the older goes
    assert [p.status for p in _promises(ledger)] == ["cancelled", "open"]
    [recorded, _] = _audit(ledger, "promise_recorded")[::-1]
    assert recorded.entity == "customer" and recorded.subject == "C001"
    assert recorded.details["invoices"] == ["R-1", "R-2"]
    assert recorded.details["amount"] == "50000.01"
    assert _audit(ledger, "promise_cancelled")[0].details["promise_id"] == just_r1.promise_ids[0]


def test_listed_invoices_are_covered_exactly_and_each_must_be_the_customers_and_open(
        ledger: Engine) -> None:
    on = DAY + timedelta(days=3)
    with session_scope(ledger) as s:
        done = record_customer_promise(s, "C001", on, D("3000"), DAY, "test",
                                       invoices=["R-3", " R-2", "R-3"])
    assert done.receivables == ("R-2", "R-3")  # oldest due first, each once
    for invoices, words in ((["R-4"], "R-4 is not an invoice of C001"),
                            (["R-404"], "R-404 is not an invoice of C001")):
        with Session(ledger) as s, pytest.raises(Invalid) as refused:
            record_customer_promise(s, "C001", on, D("10"), DAY, "test", invoices=invoices)
        assert (refused.value.field, refused.value.message) == ("invoices", words)
    with session_scope(ledger) as s:
        s.execute(select(Receivable).where(Receivable.number == "R-3")).scalar_one().stage = "paid"
    with Session(ledger) as s, pytest.raises(Invalid, match="R-3 is paid") as paid:
        record_customer_promise(s, "C001", on, D("10"), DAY, "test", invoices=["R-3"])
    assert paid.value.field == "invoices"


def test_refusals_name_the_field_and_write_nothing(ledger: Engine) -> None:
    on = DAY + timedelta(days=3)
    cases = [
        (dict(promised_date=on, amount=D("61000.01")), "amount",
         "61,000.01 is more than the 61,000.00 owed on the invoices covered"),
        (dict(promised_date=on, amount=D("9000"), invoices=["R-2"]), "amount",
         "9,000.00 is more than the 8,000.00 owed on the invoices covered"),
        (dict(promised_date=on, amount=D("0")), "amount", "the amount must be more than 0"),
        (dict(promised_date=DAY - timedelta(days=1), amount=D("10")), "date",
         "2026-11-22 is in the past"),
    ]
    for kwargs, field, words in cases:
        with Session(ledger) as s, pytest.raises(Invalid) as refused:
            record_customer_promise(s, "C001", on_date=DAY, actor="test", **kwargs)
        assert refused.value.field == field and refused.value.message.startswith(words)
    with Session(ledger) as s, pytest.raises(LookupError):
        record_customer_promise(s, "C404", on, D("1"), DAY, "test")
    with Session(ledger) as s, pytest.raises(Invalid, match="C001 owes in CNY and USD") as two:
        s.execute(select(Receivable).where(Receivable.number == "R-3")).scalar_one(
        ).currency = "USD"
        s.flush()
        record_customer_promise(s, "C001", on, None, DAY, "test")
    assert two.value.field == "invoices"
    assert _promises(ledger) == [] and _audit(ledger, "promise_recorded") == []


def test_recording_withdraws_the_mail_and_takes_the_receivables_off_their_tasks(
        ledger: Engine) -> None:
    assert _mailed(ledger, DAY) >= {"R-1", "R-2"}
    with Session(ledger) as s:
        call = s.execute(select(Task).where(Task.kind == "call", Task.status == "open",
                                            Task.assignee == "li.na")).scalar_one()
    with session_scope(ledger) as s:
        record_customer_promise(s, "C001", DAY + timedelta(days=4), D("58000"), DAY,
                                "web:li.na")
    assert not _mailed(ledger, DAY) & {"R-1", "R-2"}
    with Session(ledger) as s:
        task = s.get(Task, call.id)
        left = set(s.execute(select(TaskReceivable.left_reason)
                             .where(TaskReceivable.task_id == call.id)).scalars())
    assert task is not None and task.status == "done" and left == {"promised"}
    withdrawn = _audit(ledger, "mail_withdrawn")
    assert withdrawn and withdrawn[0].actor == "web:li.na"
    # the next cycles mail none of the covered invoices while the promise is open
    for offset in (1, 2, 3, 4):
        run_cycle(ledger, POLICY, DAY + timedelta(days=offset), mail=MAIL)
        assert not _mailed(ledger, DAY + timedelta(days=offset)) & {"R-1", "R-2"}


def test_the_per_invoice_promise_is_a_customer_promise_on_that_invoice(ledger: Engine) -> None:
    with session_scope(ledger) as s:
        done = record_promise(s, "R-2", DAY + timedelta(days=2), DAY, "cli:x", D("4000"))
    [promise] = _promises(ledger)
    assert (done.receivables, promise.amount, promise.balance_at_promise) == (
        ("R-2",), D("4000"), D("8000"))
    assert _covers(ledger, promise.id or 0) == ["R-2"]
    with Session(ledger) as s, pytest.raises(Invalid, match="8,000.01 is more than"):
        record_promise(s, "R-2", DAY + timedelta(days=2), DAY, "cli:x", D("8000.01"))
    with session_scope(ledger) as s:
        s.execute(select(Receivable).where(Receivable.number == "R-3")).scalar_one().stage = "paid"
    with Session(ledger) as s, pytest.raises(IllegalMove):
        record_promise(s, "R-3", DAY + timedelta(days=2), DAY, "cli:x")
    with Session(ledger) as s, pytest.raises(LookupError):
        record_promise(s, "R-404", DAY + timedelta(days=2), DAY, "cli:x")


def test_kept_by_payments_dated_by_its_date_broken_the_day_after(
        ledger: Engine, tmp_path: Path) -> None:
    thursday = DAY + timedelta(days=3)
    with session_scope(ledger) as s:
        kept = record_customer_promise(s, "C001", thursday, D("10000"), DAY, "test")
        late = record_customer_promise(s, "C002", thursday, D("5000"), DAY, "test")
    _pay(ledger, tmp_path, ("P-1", thursday, "6000"), ("P-2", thursday - timedelta(days=1),
                                                       "4000"))
    # C002 pays, but a day after its date: too late
    load(ledger, "payments", write(tmp_path / "c2.csv", "reference,customer_code,date,amount\n"
                                   f"P-3,C002,{(thursday + timedelta(days=1)).isoformat()},5000\n"))
    with session_scope(ledger) as s:
        assert expire_promises(s, thursday, "cycle") == (0, 0)  # its own day: still open
    summary = run_cycle(ledger, POLICY, thursday + timedelta(days=1), mail=MAIL)
    assert (summary.promises_kept, summary.promises_broken) == (1, 1)
    by_id = {p.id: p for p in _promises(ledger)}
    assert by_id[kept.promise_ids[0]].status == "kept"
    broken = by_id[late.promise_ids[0]]
    assert (broken.status, broken.broken_on) == ("broken", thursday + timedelta(days=1))
    [audit] = _audit(ledger, "promise_broken")
    assert (audit.subject, audit.details["paid"], audit.details["invoices"]) == (
        "C002", "0.00", ["R-4"])


def test_a_promise_without_an_amount_is_kept_when_what_it_covers_is_paid(
        ledger: Engine, tmp_path: Path) -> None:
    on = DAY + timedelta(days=2)
    with session_scope(ledger) as s:
        record_promise(s, "R-2", on, DAY, "test")  # no amount: R-2's balance
    _pay(ledger, tmp_path, ("P-1", on, "50000"))  # R-1 takes it all: R-2 still owes
    with session_scope(ledger) as s:
        assert expire_promises(s, on + timedelta(days=1), "cycle") == (0, 1)


def _plan_run(ledger: Engine, tmp_path: Path, days: list[int], *payments: tuple[str, int, str]
              ) -> tuple[int, list[date]]:
    """C001's plan for R-1 of 3 x 10,000 on DAY + ``days``; the payments dated DAY + n;
    the cycle run (with mail) on every day up to a week after the last instalment."""
    dates = [DAY + timedelta(days=n) for n in days]
    with session_scope(ledger) as s:
        plan = record_plan(s, "C001", [(d, D("10000")) for d in dates], DAY, "web:li.na")
    assert plan.receivables == ("R-1",) and len(plan.promise_ids) == 3
    if payments:
        _pay(ledger, tmp_path, *((ref, DAY + timedelta(days=n), amount)
                                 for ref, n, amount in payments))
    return plan.plan_id or 0, dates


def test_a_plan_is_kept_when_each_instalment_is_paid_by_its_date(
        ledger: Engine, tmp_path: Path) -> None:
    plan_id, dates = _plan_run(ledger, tmp_path, [3, 10, 17],
                               ("P-1", 2, "10000"), ("P-2", 10, "12000"), ("P-3", 16, "8000"))
    for offset in range(1, 18):
        run_cycle(ledger, POLICY, DAY + timedelta(days=offset), mail=MAIL)
        assert "R-1" not in _mailed(ledger, DAY + timedelta(days=offset))
    # kept: R-1's other 20,000 was never promised, so it is chased again
    run_cycle(ledger, POLICY, dates[-1] + timedelta(days=1), mail=MAIL)
    assert "R-1" in _mailed(ledger, dates[-1] + timedelta(days=1))
    with Session(ledger) as s:
        plan = s.get(PaymentPlan, plan_id)
        statuses = [p.status for p in s.execute(select(Promise).where(
            Promise.plan_id == plan_id).order_by(Promise.promised_date)).scalars()]
    assert statuses == ["kept", "kept", "kept"]
    assert plan is not None and (plan.status, plan.closed_on) == ("kept",
                                                                  dates[-1] + timedelta(days=1))
    assert len(_audit(ledger, "plan_kept")) == 1 and len(_audit(ledger, "instalment_kept")) == 3


def test_a_missed_instalment_breaks_the_plan_and_reminders_resume(
        ledger: Engine, tmp_path: Path) -> None:
    # the second instalment (by DAY+10: 20,000 in all) sees 15,000: broken on DAY+11
    with session_scope(ledger) as s:
        older = record_promise(s, "R-1", DAY + timedelta(days=1), DAY, "test")
    plan_id, dates = _plan_run(ledger, tmp_path, [3, 10, 17],
                               ("P-1", 3, "10000"), ("P-2", 9, "5000"))
    with Session(ledger) as s:  # the plan superseded the older promise on R-1
        assert s.get(Promise, older.promise_ids[0]).status == "cancelled"  # type: ignore[union-attr]
    for offset in range(1, 11):
        run_cycle(ledger, POLICY, DAY + timedelta(days=offset), mail=MAIL)
        assert "R-1" not in _mailed(ledger, DAY + timedelta(days=offset))
    broke = dates[1] + timedelta(days=1)  # a Thursday
    summary = run_cycle(ledger, POLICY, broke, mail=MAIL)
    assert (summary.promises_kept, summary.promises_broken) == (0, 1)
    with Session(ledger) as s:
        plan = s.get(PaymentPlan, plan_id)
        rows = list(s.execute(select(Promise.status, Promise.broken_on).where(
            Promise.plan_id == plan_id).order_by(Promise.promised_date)))
        task = s.execute(select(Task).where(Task.rule_id == PLAN_BROKEN_RULE)).scalar_one()
        in_task = list(s.execute(select(Receivable.number).join(
            TaskReceivable, TaskReceivable.receivable_id == Receivable.id)
            .where(TaskReceivable.task_id == task.id, TaskReceivable.left_on.is_(None))
        ).scalars())
        facts = customer_facts(s, broke)
    assert [tuple(r) for r in rows] == [("kept", None), ("broken", broke), ("cancelled", None)]
    assert plan is not None and (plan.status, plan.closed_on) == ("broken", broke)
    assert (task.kind, task.assignee, task.status, task.due_date) == ("call", "li.na", "open",
                                                                        broke)
    assert in_task == ["R-1"]
    [audit] = _audit(ledger, "plan_broken")
    assert (audit.subject, audit.details["plan_id"], audit.details["promised_date"]) == (
        "C001", plan_id, dates[1].isoformat())
    assert audit.details["task_ids"] == [task.id]
    assert (audit.details["paid"], audit.details["due"]) == ("15000.00", "20000.00")
    # no longer promised: its reminder goes out, once C001's catch-up gap allows
    # (C001 is catching up since the portfolio's first day: a message at most every 5
    # business days)
    mailed = "R-1" in _mailed(ledger, broke)
    day = broke
    while not mailed and day < dates[2]:
        day += timedelta(days=1)
        run_cycle(ledger, POLICY, day, mail=MAIL)
        mailed = "R-1" in _mailed(ledger, day)
    assert mailed
    assert facts[1]["customer.broken_promises_90d"] == 1  # the plan counts once
    assert run_cycle(ledger, POLICY, dates[2] + timedelta(days=1)).promises_broken == 0
