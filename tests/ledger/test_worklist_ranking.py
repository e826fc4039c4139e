"""The worklist ranks from inputs kept on the task; it must rank exactly as the live
join does, follow payments at once, and never miss a task not refreshed yet."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger import worklist
from ledger.db import session_scope
from ledger.models import Customer, Receivable, Task
from tests.factories import load, seed_customers, write
from workflows.actions import settle_paid

TODAY = date(2026, 11, 23)
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount\n"
    "R-1,C001,2026-09-01,2026-10-01,1000.00\n"   # 53 days late: 53,000
    "R-2,C001,2026-10-01,2026-11-13,4000.00\n"   # 10 days late: 40,000
    "R-3,C001,2026-11-01,2026-12-01,9000.00\n"   # not due: 9,000 x 1
    "R-4,C002,2026-10-01,2026-11-03,2000.00\n"   # 20 days late (customer-level task)
)


def _tasks(engine: Engine) -> None:
    with Session(engine) as session:
        ids = dict(session.execute(select(Receivable.number, Receivable.id)).all())
        c002 = session.execute(select(Customer.id).where(Customer.code == "C002")).scalar()
        c001 = session.execute(select(Customer.id).where(Customer.code == "C001")).scalar()
        for number in ("R-1", "R-2", "R-3"):
            session.add(Task(kind="call_customer", customer_id=c001, receivable_id=ids[number],
                             assignee="li.na", due_date=TODAY, created_on=TODAY))
        session.add(Task(kind="review_account", customer_id=c002, assignee="li.na",
                         due_date=TODAY, created_on=TODAY))
        session.commit()


def _order(engine: Engine) -> list[tuple[str | None, int]]:
    with Session(engine) as session:
        rows = worklist.tasks(session, TODAY, worklist.TaskFilter(assignee="li.na"), 50, 0)
    return [(row["invoice"] or row["customer"], row["priority"]) for row in rows]


def test_ranking_from_the_task_equals_the_live_ranking_and_follows_payments(
        db: Engine, tmp_path) -> None:
    seed_customers(db, tmp_path)
    load(db, "receivables", write(tmp_path / "r.csv", RECEIVABLES))
    _tasks(db)
    live = _order(db)  # nothing refreshed yet: every task ranked from the join
    assert live == [("R-1", 5_300_000), ("R-2", 4_000_000), ("C002", 4_000_000),
                    ("R-3", 900_000)]
    with session_scope(db) as session:
        worklist.refresh_priorities(session, TODAY)
    with Session(db) as session:
        assert None not in set(session.execute(select(Task.at_risk)).scalars())
    assert _order(db) == live
    # R-1 part-paid over the import path: ranked lower at once, not at the next cycle
    result = load(db, "payments", write(
        tmp_path / "p.csv", "reference,customer_code,date,amount,invoice_number\n"
                            "P-1,C001,2026-11-23,900.00,R-1\n"))
    with session_scope(db) as session:
        settle_paid(session, result.touched_receivables, TODAY, "import")
    assert _order(db)[:2] == [("R-2", 4_000_000), ("C002", 4_000_000)]
    assert ("R-1", 530_000) in _order(db)
    # a task made after the refresh (by a person) is ranked too, from the live join
    with Session(db) as session:
        r2 = session.execute(select(Receivable).where(Receivable.number == "R-2")).scalar_one()
        session.add(Task(kind="legal_review", customer_id=r2.customer_id, receivable_id=r2.id,
                         assignee="li.na", due_date=TODAY, created_on=TODAY))
        session.commit()
    assert _order(db).count(("R-2", 4_000_000)) == 2


def test_the_stage_filter_follows_stage_changes_made_by_people(db: Engine, tmp_path) -> None:
    from workflows.actions import open_dispute

    seed_customers(db, tmp_path)
    load(db, "receivables", write(tmp_path / "r.csv", RECEIVABLES))
    _tasks(db)

    def current() -> list[str]:
        with Session(db) as session:
            rows = worklist.tasks(session, TODAY, worklist.TaskFilter(
                assignee="li.na", stage="current"), 50, 0)
            total = worklist.counts(session, TODAY, worklist.TaskFilter(
                assignee="li.na", stage="current"))["total"]
        assert total == len(rows)
        return [row["invoice"] for row in rows]

    live = current()
    assert live == ["R-1", "R-2", "R-3"]  # imported: all current until a cycle runs
    with session_scope(db) as session:
        worklist.refresh_priorities(session, TODAY)
    assert current() == live
    with session_scope(db) as session:
        open_dispute(session, "R-1", "wrong price", TODAY, "web:li.na")
    assert current() == ["R-2", "R-3"]
