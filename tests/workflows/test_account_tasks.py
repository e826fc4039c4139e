"""Tasks about a customer's account (issue 12, item 1), on both databases: the policy's
task opens the customer's task or adds the receivable to the open one (one open task per
customer, kind and assignee); a receivable paid, disputed or promised leaves it and a task
with nothing left closes itself; a call on the customer or on any of its receivables
completes its open call task; only the assignee (or someone who sees all) completes or
reassigns."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from engine import load_policy
from ledger.db import session_scope
from ledger.models import Activity, Customer, Receivable, Task, TaskReceivable
from ledger.task_store import open_tasks, task_row
from tests.factories import load, seed_customers, write
from tests.web.portfolio import people
from workflows.actions import log_call, log_customer_call, open_dispute, settle_touched
from workflows.cycle import run_cycle
from workflows.errors import Forbidden, Invalid
from workflows.promises import record_promise
from workflows.tasks import complete_task, reassign_task

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy(ROOT / "rules")  # escalated: a call task for the collector;
# legal: a legal_handover task for the legal team
HEADER = "number,customer_code,issue_date,due_date,amount,currency\n"
BOOK = (  # C001 is li.na's, C002 wang.wei's (tests/factories.CUSTOMERS)
    "A-1,C001,2026-01-01,2026-01-31,150000.00,CNY\n"  # escalated 02-15 (15 days, >= 100,000)
    "A-2,C001,2026-01-01,2026-01-31,120000.00,CNY\n"  # escalated 02-15, the same day
    "A-3,C001,2026-01-10,2026-02-10,500.00,CNY\n"     # escalated 03-12 (30 days)
    "B-1,C002,2026-01-01,2026-01-31,150000.00,USD\n"  # escalated 02-15: wang.wei's task
)
DAY = date(2026, 3, 12)


def _book(engine: Engine, tmp_path: Path, rows: str = BOOK) -> None:
    seed_customers(engine, tmp_path)
    load(engine, "receivables", write(tmp_path / "r.csv", HEADER + rows))


def _tasks(engine: Engine, status: str | None = "open") -> list[dict[str, Any]]:
    """Every task (of ``status``) with the receivables linked to it: those still in it
    under ``receivables``, those that left under ``left`` (number -> reason)."""
    with Session(engine) as s:
        links = s.execute(
            select(TaskReceivable.task_id, Receivable.number, TaskReceivable.added_on,
                   TaskReceivable.left_on, TaskReceivable.left_reason)
            .join(Receivable, Receivable.id == TaskReceivable.receivable_id)
            .order_by(Receivable.number)).all()
        stmt = (select(Task, Customer.code).join(Customer, Customer.id == Task.customer_id)
                .order_by(Task.id))
        if status is not None:
            stmt = stmt.where(Task.status == status)
        found = []
        for task, code in s.execute(stmt):
            mine = [link for link in links if link.task_id == task.id]
            found.append({
                "id": task.id, "kind": task.kind, "customer": code, "assignee": task.assignee,
                "status": task.status, "due_date": task.due_date, "closed_on": task.closed_on,
                "note": task.note,
                "receivables": [x.number for x in mine if x.left_on is None],
                "added_on": {x.number: x.added_on for x in mine},
                "left": {x.number: x.left_reason for x in mine if x.left_on is not None}})
    return found


def _one(engine: Engine, customer: str, kind: str, status: str | None = "open"
         ) -> dict[str, Any]:
    [task] = [t for t in _tasks(engine, status) if (t["customer"], t["kind"]) == (customer, kind)]
    return task


def _audit(engine: Engine, action: str) -> list[Activity]:
    with Session(engine) as s:
        return list(s.execute(select(Activity).where(Activity.action == action)
                              .order_by(Activity.id)).scalars())


def _ids(engine: Engine, model: Any, column: Any, *keys: str) -> list[int]:
    with Session(engine) as s:
        found = dict(s.execute(select(column, model.id).where(column.in_(keys))).all())
    return [found[key] for key in keys]


def _open(engine: Engine, kind: str, customer: str, numbers: tuple[str, ...], assignee: str,
          on: date = DAY) -> None:
    """A task opened as the workflows open one (ledger/task_store.open_tasks)."""
    [cid] = _ids(engine, Customer, Customer.code, customer)
    rids = _ids(engine, Receivable, Receivable.number, *numbers) if numbers else []
    with session_scope(engine) as s:
        open_tasks(s, [task_row(kind, customer_id=cid, receivable_ids=rids, assignee=assignee,
                                due_date=on + timedelta(days=3), rule_id="test",
                                policy_hash="", created_on=on)])


# --- opening: one task per customer, kind and assignee ----------------------------------


def test_invoices_escalating_on_one_day_and_later_share_one_task_per_assignee(
        db: Engine, tmp_path: Path) -> None:
    _book(db, tmp_path)
    first = run_cycle(db, POLICY, date(2026, 2, 15))
    assert (first.tasks_opened, first.tasks_joined, first.tasks_closed) == (2, 0, 0)
    call = _one(db, "C001", "call")
    assert (call["receivables"], call["assignee"], call["due_date"]) == (
        ["A-1", "A-2"], "li.na", date(2026, 2, 17))
    assert _one(db, "C002", "call")["receivables"] == ["B-1"]  # another customer's own
    joined = run_cycle(db, POLICY, DAY)  # A-3 escalates weeks later: it joins the open task
    assert (joined.tasks_opened, joined.tasks_joined) == (0, 1)
    later = _one(db, "C001", "call")
    assert later["id"] == call["id"] and later["receivables"] == ["A-1", "A-2", "A-3"]
    assert later["due_date"] == date(2026, 2, 17)  # the task's, not moved by a newcomer
    assert later["added_on"] == {"A-1": date(2026, 2, 15), "A-2": date(2026, 2, 15),
                                 "A-3": DAY}
    # 90 days late and 30 in escalated: the legal team's task, separate from the call task
    run_cycle(db, POLICY, date(2026, 5, 1))
    run_cycle(db, POLICY, date(2026, 5, 11))  # A-3 follows ten days later
    legal = _one(db, "C001", "legal_handover")
    assert (legal["assignee"], legal["receivables"], legal["due_date"]) == (
        "legal", ["A-1", "A-2", "A-3"], date(2026, 5, 6))
    assert _one(db, "C001", "call")["receivables"] == ["A-1", "A-2", "A-3"]
    keys = [(t["customer"], t["kind"], t["assignee"]) for t in _tasks(db)]
    assert sorted(keys) == [("C001", "call", "li.na"), ("C001", "legal_handover", "legal"),
                            ("C002", "call", "wang.wei"), ("C002", "legal_handover", "legal")]


def test_another_assignee_gets_a_task_of_their_own(db: Engine, tmp_path: Path) -> None:
    _book(db, tmp_path)
    people(db, ("li.na", "collector"), ("wang.wei", "collector"))
    run_cycle(db, POLICY, date(2026, 2, 15))
    call = _one(db, "C001", "call")
    with session_scope(db) as s:  # li.na hands C001's call task to wang.wei
        reassign_task(s, call["id"], "wang.wei", date(2026, 2, 16), "test", only_from="li.na")
    _open(db, "call", "C001", ("A-3",), "li.na")  # li.na's own again, A-3 alone
    mine, theirs = (next(t for t in _tasks(db) if t["kind"] == "call" and
                         t["customer"] == "C001" and t["assignee"] == name)
                    for name in ("li.na", "wang.wei"))
    assert (theirs["id"], theirs["receivables"]) == (call["id"], ["A-1", "A-2"])
    assert mine["receivables"] == ["A-3"] and mine["id"] != call["id"]
    _open(db, "call", "C001", ("A-2",), "wang.wei")  # already in wang.wei's: no change
    assert [(t["customer"], t["assignee"], t["receivables"]) for t in _tasks(db)] == [
        ("C001", "wang.wei", ["A-1", "A-2"]), ("C002", "wang.wei", ["B-1"]),
        ("C001", "li.na", ["A-3"])]


def test_the_database_refuses_a_second_open_task_for_one_key(db: Engine, tmp_path: Path
                                                            ) -> None:
    _book(db, tmp_path)
    run_cycle(db, POLICY, date(2026, 2, 15))
    [c001] = _ids(db, Customer, Customer.code, "C001")
    with Session(db) as s:
        s.add(Task(kind="call", customer_id=c001, assignee="li.na", due_date=DAY,
                   created_on=DAY))
        with pytest.raises(IntegrityError):
            s.commit()
    with Session(db) as s:  # closed ones are history: any number of them
        s.add_all([Task(kind="call", status=status, customer_id=c001, assignee="li.na",
                        due_date=DAY, created_on=DAY, closed_on=DAY)
                   for status in ("done", "done", "merged")])
        s.commit()
    assert len(_tasks(db, None)) == 2 + 3


def test_opening_rows_of_one_key_together_makes_one_task_and_a_leaver_can_come_back(
        db: Engine, tmp_path: Path) -> None:
    _book(db, tmp_path)
    [c001] = _ids(db, Customer, Customer.code, "C001")
    a1, a2, a3 = _ids(db, Receivable, Receivable.number, "A-1", "A-2", "A-3")
    with session_scope(db) as s:
        opened = open_tasks(s, [
            task_row("call", customer_id=c001, receivable_ids=[rid], assignee="li.na",
                     due_date=DAY + timedelta(days=days), rule_id="test", policy_hash="",
                     created_on=DAY)
            for rid, days in ((a1, 5), (a2, 2), (a3, 4))])
    task = _one(db, "C001", "call")
    assert opened.task_ids() == [task["id"]]
    assert (task["receivables"], task["due_date"]) == (["A-1", "A-2", "A-3"],
                                                       DAY + timedelta(days=2))
    with session_scope(db) as s:
        open_dispute(s, "A-2", "wrong price", DAY, "test")
    assert _one(db, "C001", "call")["left"] == {"A-2": "disputed"}
    with session_scope(db) as s:
        again = open_tasks(s, [task_row("call", customer_id=c001, receivable_ids=[a2],
                                        assignee="li.na", due_date=DAY, rule_id="test",
                                        policy_hash="", created_on=DAY)])
    assert again.joined == {task["id"]: [a2]} and not again.made
    back = _one(db, "C001", "call")
    assert back["receivables"] == ["A-1", "A-2", "A-3"] and back["left"] == {}


# --- leaving: paid, disputed, promised; an empty task closes itself ----------------------


def _worked(engine: Engine, tmp_path: Path) -> None:
    """C001's open call task (li.na) and legal task (the legal team) about A-1, A-2, A-3,
    and a task about the customer itself (a contact to fix, no receivables)."""
    _book(engine, tmp_path)
    for kind, assignee in (("call", "li.na"), ("legal_handover", "legal")):
        _open(engine, kind, "C001", ("A-1", "A-2", "A-3"), assignee)
    _open(engine, "fix_contact_details", "C001", (), "li.na")


def test_paid_disputed_and_promised_receivables_leave_and_the_empty_task_closes(
        db: Engine, tmp_path: Path) -> None:
    _worked(db, tmp_path)
    # A-3 paid in full through a payment import, settled as `arflow import payments` does
    paid = load(db, "payments", write(tmp_path / "p.csv",
                                      "reference,customer_code,date,amount,invoice_number\n"
                                      "P-1,C001,2026-03-12,500.00,A-3\n"))
    with session_scope(db) as s:
        assert settle_touched(s, paid.touched_receivables, DAY, "import").settled == 1
    legal = _one(db, "C001", "legal_handover")
    assert legal["receivables"] == ["A-1", "A-2"] and legal["left"] == {"A-3": "paid"}
    with session_scope(db) as s:
        open_dispute(s, "A-2", "goods damaged", DAY, "cli:li.na")
    legal = _one(db, "C001", "legal_handover")
    assert legal["receivables"] == ["A-1"] and legal["left"] == {"A-2": "disputed",
                                                                 "A-3": "paid"}
    assert _audit(db, "task_closed") == []  # something is still left in each
    with session_scope(db) as s:
        record_promise(s, "A-1", DAY + timedelta(days=7), DAY, "cli:li.na")
    closed = _one(db, "C001", "legal_handover", "done")
    assert closed["id"] == legal["id"] and closed["closed_on"] == DAY
    assert closed["note"] == "nothing left to collect (promised)"
    assert closed["left"] == {"A-1": "promised", "A-2": "disputed", "A-3": "paid"}
    [audit] = [a for a in _audit(db, "task_closed") if a.details["task_id"] == legal["id"]]
    [c001] = _ids(db, Customer, Customer.code, "C001")
    assert (audit.entity, audit.entity_id, audit.actor) == ("customer", c001, "cli:li.na")
    assert audit.details | {"task_id": 0} == {"task_id": 0, "kind": "legal_handover",
                                              "reason": "promised", "receivables": ["A-1"]}
    # the promise also completed the call task; the task about the customer stays open
    assert _one(db, "C001", "call", "done")["left"] == {
        "A-1": "promised", "A-2": "disputed", "A-3": "paid"}
    assert [t["kind"] for t in _tasks(db)] == ["fix_contact_details"]


def test_a_task_about_the_customer_itself_is_not_closed_by_a_payment(
        db: Engine, tmp_path: Path) -> None:
    _book(db, tmp_path)
    _open(db, "fix_contact_details", "C001", (), "li.na")
    _open(db, "call", "C001", ("A-3",), "li.na")
    paid = load(db, "payments", write(tmp_path / "p.csv",
                                      "reference,customer_code,date,amount,invoice_number\n"
                                      "P-1,C001,2026-03-12,500.00,A-3\n"))
    with session_scope(db) as s:
        settle_touched(s, paid.touched_receivables, DAY, "import")
    assert _one(db, "C001", "call", "done")["note"] == "nothing left to collect (paid)"
    assert [(t["kind"], t["receivables"]) for t in _tasks(db)] == [("fix_contact_details", [])]


def test_the_cycle_sweeps_out_receivables_settled_without_a_person(
        db: Engine, tmp_path: Path) -> None:
    _book(db, tmp_path)
    run_cycle(db, POLICY, date(2026, 2, 15))  # C001's call task: A-1, A-2
    with session_scope(db) as s:  # the ERP wrote the balances to zero (no settlement)
        s.execute(update(Receivable).where(Receivable.number.in_(("A-1", "A-2")))
                  .values(balance=0))
    summary = run_cycle(db, POLICY, date(2026, 2, 16))
    assert summary.tasks_closed == 1
    closed = _one(db, "C001", "call", "done")
    assert closed["left"] == {"A-1": "paid", "A-2": "paid"}
    assert closed["note"] == "nothing left to collect (paid)"
    [audit] = _audit(db, "task_closed")
    assert (audit.actor, audit.details["receivables"]) == ("cycle", ["A-1", "A-2"])
    assert _one(db, "C002", "call")["receivables"] == ["B-1"]  # wang.wei's untouched
    assert run_cycle(db, POLICY, date(2026, 2, 16)).tasks_closed == 0  # idempotent


# --- calls complete the call task ---------------------------------------------------------


@pytest.mark.parametrize("outcome", ["reached", "no_answer"])
def test_a_call_on_the_customer_completes_its_call_task_not_the_legal_one(
        db: Engine, tmp_path: Path, outcome: str) -> None:
    _worked(db, tmp_path)
    _open(db, "call", "C002", ("B-1",), "wang.wei")
    with session_scope(db) as s:
        with pytest.raises(Invalid) as bad:
            log_customer_call(s, "C001", "busy", "", DAY, "cli:li.na")
        assert bad.value.field == "outcome"
    assert _one(db, "C001", "call")["status"] == "open"  # a refused call changes nothing
    call = _one(db, "C001", "call")
    with session_scope(db) as s:
        log_customer_call(s, "C001", outcome, "spoke to AP", DAY, "web:li.na")
    done = _one(db, "C001", "call", "done")
    assert (done["id"], done["closed_on"]) == (call["id"], DAY)
    assert done["note"] == f"call: {outcome} - spoke to AP"
    assert done["receivables"] == ["A-1", "A-2", "A-3"]  # completed, not emptied
    [logged] = _audit(db, "call_logged")
    [c001] = _ids(db, Customer, Customer.code, "C001")
    assert (logged.entity, logged.entity_id, logged.subject, logged.details) == (
        "customer", c001, "C001",
        {"outcome": outcome, "note": "spoke to AP", "tasks_completed": [call["id"]]})
    [completed] = _audit(db, "task_completed")
    assert (completed.actor, completed.details["task_id"]) == ("web:li.na", call["id"])
    assert {t["kind"] for t in _tasks(db) if t["customer"] == "C001"} == {
        "legal_handover", "fix_contact_details"}
    assert _one(db, "C002", "call")["status"] == "open"  # another customer's stays


def test_a_call_about_any_receivable_completes_the_customers_call_task(
        db: Engine, tmp_path: Path) -> None:
    _worked(db, tmp_path)
    call = _one(db, "C001", "call")
    with session_scope(db) as s:
        log_call(s, "A-3", "wrong_number", "", DAY, "api:li.na")
    assert _one(db, "C001", "call", "done")["note"] == "call: wrong_number"
    [logged] = _audit(db, "call_logged")
    assert (logged.entity, logged.subject, logged.details["tasks_completed"]) == (
        "receivable", "A-3", [call["id"]])
    assert _one(db, "C001", "legal_handover")["status"] == "open"
    with session_scope(db) as s:  # no call task open any more: the call is still logged
        log_call(s, "A-1", "reached", "will pay", DAY, "api:li.na")
    assert [a.details["tasks_completed"] for a in _audit(db, "call_logged")] == [
        [call["id"]], []]


# --- who may complete or reassign ----------------------------------------------------------


def test_only_the_assignee_or_someone_who_sees_all_completes_or_reassigns(
        db: Engine, tmp_path: Path) -> None:
    _worked(db, tmp_path)
    legal = _one(db, "C001", "legal_handover")
    with session_scope(db) as s:  # li.na's customer, the legal team's task
        with pytest.raises(Forbidden, match="assigned to legal"):
            complete_task(s, legal["id"], "done it", DAY, "web:li.na", only_from="li.na")
        with pytest.raises(Forbidden):
            reassign_task(s, legal["id"], "li.na", DAY, "web:li.na", only_from="li.na")
    assert _one(db, "C001", "legal_handover")["status"] == "open"
    assert _audit(db, "task_completed") == [] and _audit(db, "task_reassigned") == []
    call = _one(db, "C001", "call")
    with session_scope(db) as s:  # her own: yes
        complete_task(s, call["id"], "statement sent", DAY, "web:li.na", only_from="li.na")
    with session_scope(db) as s:  # a credit manager (or an admin): anyone's
        complete_task(s, legal["id"], "filed", DAY, "web:zhou.mgr")
    assert _one(db, "C001", "legal_handover", "done")["note"] == "filed"
    assert [(a.actor, a.details["kind"]) for a in _audit(db, "task_completed")] == [
        ("web:li.na", "call"), ("web:zhou.mgr", "legal_handover")]


def test_a_part_paid_receivable_stays_in_its_task_until_paid(db: Engine, tmp_path: Path
                                                            ) -> None:
    """A part-payment keeps the receivable in its task; the last one takes it out."""
    _book(db, tmp_path)
    _open(db, "call", "C001", ("A-1", "A-3"), "li.na")
    for n, amount in enumerate(("200.00", "300.00")):
        paid = load(db, "payments", write(tmp_path / f"p{n}.csv",
                                          "reference,customer_code,date,amount,invoice_number\n"
                                          f"P-{n},C001,2026-03-12,{amount},A-3\n"))
        with session_scope(db) as s:
            settle_touched(s, paid.touched_receivables, DAY, "import")
        task = _one(db, "C001", "call")
        if n == 0:
            assert task["receivables"] == ["A-1", "A-3"] and task["left"] == {}
    assert task["receivables"] == ["A-1"] and task["left"] == {"A-3": "paid"}
    with Session(db) as s:
        balance = s.execute(select(Receivable.balance).where(Receivable.number == "A-3"))
        assert balance.scalar_one() == Decimal("0.00")
