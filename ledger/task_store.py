"""Tasks in the database: the row a new task is written as, one task held for a change,
what a task is about (workflows/tasks.py decides what changes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from ledger.models import Customer, Receivable, Task


@dataclass(frozen=True, kw_only=True)
class TaskRow:
    """A new task as ``cycle_store.insert_tasks`` writes it."""

    kind: str
    status: str = "open"
    customer_id: int
    receivable_id: int | None
    assignee: str
    due_date: date
    rule_id: str
    policy_hash: str
    created_on: date
    closed_on: date | None = None
    note: str = ""

    def row(self) -> dict[str, Any]:
        """The ``task`` table's row (a shallow copy, cheap at a cycle's volumes)."""
        return dict(self.__dict__)


def task_row(
    kind: str,
    *,
    customer_id: int,
    receivable_id: int | None,
    assignee: str,
    due_date: date,
    rule_id: str,
    policy_hash: str,
    created_on: date,
    note: str = "",
) -> TaskRow:
    """An open task as ``insert_tasks`` writes it (every task opened anywhere is one)."""
    return TaskRow(
        kind=kind,
        customer_id=customer_id,
        receivable_id=receivable_id,
        assignee=assignee,
        due_date=due_date,
        rule_id=rule_id,
        policy_hash=policy_hash,
        created_on=created_on,
        note=note,
    )


def held_task(session: Session, task_id: int) -> Task | None:
    """The task, its row held for update until the transaction ends; None if there is none."""
    return session.get(Task, task_id, with_for_update=True)


def subject_of(session: Session, task: Task) -> str:
    """What the task is about as the timeline names it: the invoice number, else the
    customer code ("" if that is gone)."""
    if task.receivable_id is not None:
        stmt = select(Receivable.number).where(Receivable.id == task.receivable_id)
    else:
        stmt = select(Customer.code).where(Customer.id == task.customer_id)
    return session.execute(stmt).scalar() or ""


def has_open_task(session: Session, customer_id: int, kind: str) -> bool:
    """Whether the customer already has an open task of ``kind``."""
    stmt = select(Task.id).where(
        Task.customer_id == customer_id, Task.kind == kind, Task.status == "open"
    )
    return session.execute(stmt).first() is not None
