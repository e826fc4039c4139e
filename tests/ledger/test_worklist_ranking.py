"""The worklist ranks customer tasks from inputs kept on the task row; it must rank exactly
as the live aggregate over the task's receivables does, follow payments (a receivable
part-paid, or paid and gone from its task) and stage changes made by people at once, and
never miss a task not refreshed yet."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select, update
from sqlmodel import Session

from ledger import worklist
from ledger.db import session_scope
from ledger.models import Customer, Receivable, Task
from ledger.task_store import open_tasks, task_row
from tests.factories import load, seed_customers, write
from workflows.actions import settle_paid

TODAY = date(2026, 11, 23)
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount\n"
    "R-1,C001,2026-09-01,2026-10-01,1000.00\n"   # 53 days late
    "R-2,C001,2026-10-01,2026-11-13,4000.00\n"   # 10 days late
    "R-3,C001,2026-11-01,2026-12-01,9000.00\n"   # not due
    "R-4,C002,2026-10-01,2026-11-03,2000.00\n"   # 20 days late
    "R-5,C002,2026-10-01,2026-11-18,3000.00\n"   # 5 days late
)
Row = tuple[str, str, tuple[str, ...], int]  # kind, customer, receivables, priority


def _open(engine: Engine, kind: str, customer: str, numbers: tuple[str, ...] = ()) -> None:
    """A task opened the way the cycle and the workflows open one (not refreshed)."""
    with session_scope(engine) as session:
        ids = dict(session.execute(select(Receivable.number, Receivable.id)).all())
        cid = session.execute(select(Customer.id).where(Customer.code == customer)).scalar_one()
        open_tasks(session, [task_row(kind, customer_id=cid,
                                      receivable_ids=[ids[n] for n in numbers],
                                      assignee="li.na", due_date=TODAY, rule_id="test",
                                      policy_hash="", created_on=TODAY)])


def _portfolio(engine: Engine, tmp_path: Path) -> None:
    """C001's call task about R-1 and R-2 and its legal task about R-3; C002's account
    review (a task about the customer itself, no receivables)."""
    seed_customers(engine, tmp_path)
    load(engine, "receivables", write(tmp_path / "r.csv", RECEIVABLES))
    _open(engine, "call_customer", "C001", ("R-1", "R-2"))
    _open(engine, "legal_review", "C001", ("R-3",))
    _open(engine, "review_account", "C002")


def _order(engine: Engine, stage: str | None = None) -> list[Row]:
    f = worklist.TaskFilter(assignee="li.na", stage=stage)
    with Session(engine) as session:
        rows = worklist.tasks(session, TODAY, f, 50, 0)
        assert worklist.counts(session, TODAY, f)["total"] == len(rows)
    return [(row["kind"], row["customer"], tuple(r["number"] for r in row["receivables"]),
             row["priority"]) for row in rows]


def _live(engine: Engine, stage: str | None = None) -> list[Row]:
    """The ranking as the live aggregate gives it: every stored input forgotten first (in
    a transaction rolled back, so the stored ones stay)."""
    with Session(engine) as session:
        session.execute(update(Task).values(at_risk=None, overdue_since=None,
                                            receivable_stage=None))
        f = worklist.TaskFilter(assignee="li.na", stage=stage)
        rows = worklist.tasks(session, TODAY, f, 50, 0)
        session.rollback()
    return [(row["kind"], row["customer"], tuple(r["number"] for r in row["receivables"]),
             row["priority"]) for row in rows]


def _pay(engine: Engine, tmp_path: Path, name: str, lines: str) -> None:
    """Payments over the import path, settled as the CLI and the API settle them."""
    result = load(engine, "payments", write(
        tmp_path / f"{name}.csv", "reference,customer_code,date,amount,invoice_number\n" + lines))
    with session_scope(engine) as session:
        settle_paid(session, result.touched_receivables, TODAY, "import")


def test_ranking_from_the_task_equals_the_live_ranking_and_follows_payments(
        db: Engine, tmp_path: Path) -> None:
    _portfolio(db, tmp_path)
    live = _order(db)  # nothing refreshed yet: every task ranked from its links
    assert live == [
        ("call_customer", "C001", ("R-1", "R-2"), 500_000 * 53),  # 5,000.00, R-1 53 days
        ("review_account", "C002", (), 500_000 * 20),  # R-4 + R-5 overdue, R-4 20 days
        ("legal_review", "C001", ("R-3",), 900_000 * 1),  # not due: at least one day
    ]
    with session_scope(db) as session:
        worklist.refresh_priorities(session, TODAY)
    with Session(db) as session:
        assert None not in set(session.execute(select(Task.at_risk)).scalars())
    assert _order(db) == live
    # R-1 paid in full: it leaves the call task, which now ranks by R-2 alone, at once
    _pay(db, tmp_path, "p1", "P-1,C001,2026-11-23,1000.00,R-1\n")
    assert _order(db) == [
        ("review_account", "C002", (), 500_000 * 20),
        ("call_customer", "C001", ("R-2",), 400_000 * 10),
        ("legal_review", "C001", ("R-3",), 900_000 * 1),
    ]
    assert _order(db) == _live(db)
    # R-4 paid: the account review (about the customer) ranks by R-5 alone, at once
    _pay(db, tmp_path, "p2", "P-2,C002,2026-11-23,2000.00,R-4\n")
    assert _order(db) == [
        ("call_customer", "C001", ("R-2",), 400_000 * 10),
        ("review_account", "C002", (), 300_000 * 5),
        ("legal_review", "C001", ("R-3",), 900_000 * 1),
    ]
    assert _order(db) == _live(db)
    # a task made after the refresh (by a person) is ranked too, from its links
    _open(db, "legal_review", "C002", ("R-5",))
    assert ("legal_review", "C002", ("R-5",), 300_000 * 5) in _order(db)
    assert _order(db) == _live(db)
    with session_scope(db) as session:
        worklist.refresh_priorities(session, TODAY)
    assert _order(db) == _live(db)


def test_the_stage_filter_follows_stage_changes_made_by_people(db: Engine,
                                                               tmp_path: Path) -> None:
    from workflows.actions import hand_over_to_legal, open_dispute
    from workflows.promises import record_promise

    _portfolio(db, tmp_path)
    current = _order(db, "current")  # imported: all current until a cycle runs
    assert [(kind, numbers) for kind, _, numbers, _ in current] == [
        ("call_customer", ("R-1", "R-2")), ("legal_review", ("R-3",))]
    with session_scope(db) as session:
        worklist.refresh_priorities(session, TODAY)
    assert _order(db, "current") == current
    # R-1 disputed: it leaves the call task, still current by R-2, ranked by R-2 alone
    with session_scope(db) as session:
        open_dispute(session, "R-1", "wrong price", TODAY, "web:li.na")
    assert _order(db, "current")[0] == ("call_customer", "C001", ("R-2",), 400_000 * 10)
    assert _order(db, "current") == _live(db, "current")
    assert _order(db) == _live(db)
    # R-3 handed to legal: its task is in the legal stage now, not current
    with session_scope(db) as session:
        hand_over_to_legal(session, "R-3", "no answer", TODAY, "web:li.na")
    assert [numbers for _, _, numbers, _ in _order(db, "current")] == [("R-2",)]
    assert [numbers for _, _, numbers, _ in _order(db, "legal")] == [("R-3",)]
    assert _order(db, "legal") == _live(db, "legal")
    # R-2 promised: it leaves the call task, which closes (nothing left in it)
    with session_scope(db) as session:
        record_promise(session, "R-2", date(2026, 11, 30), TODAY, "web:li.na")
    assert _order(db, "current") == [] == _live(db, "current")
    assert _order(db) == _live(db)
