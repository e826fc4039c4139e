"""The worklist in SQL: open tasks ordered by priority, and their counts.

Priority = balance at risk x days overdue (at least 1). Balance at risk is the open
balance of the task's receivable, or for a customer-level task the sum of the customer's
overdue receivables (days from its oldest). Amounts are compared in cents whatever their
currency: a ranking, not a sum to report. One query for the page's rows, one for its
counts; both start from ``ix_task_worklist(status, assignee, due_date)``.

The ranking reads the task row alone: ``task.at_risk`` and ``task.overdue_since`` hold
the two inputs, written by ``refresh_priorities`` after each cycle and whenever payments
change balances (workflows/actions.settle_paid). Joining every open task to its
receivable instead cost ~40 ms at 8,000 open tasks on PostgreSQL; a task not refreshed
yet (made by a person since) is ranked from the live join, so none is ever missed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from engine.stages import OPEN_STAGES
from ledger.bulk import chunks
from ledger.facts import days_between
from ledger.models import Customer, Receivable, Task
from ledger.money import from_cents


@dataclass(frozen=True)
class TaskFilter:
    """What to list; ``visible_to``: a collector sees tasks assigned to them or on their
    customers (None: everyone's)."""

    assignee: str | None = None
    kind: str | None = None
    stage: str | None = None
    customer: str | None = None  # customer code
    invoice: str | None = None  # receivable number
    status: str | None = "open"  # None: any
    visible_to: str | None = None
    task_id: int | None = None


def _late_by_customer(f: TaskFilter, day: Any) -> Any:
    """Overdue balance and oldest due date of each customer with a customer-level task in
    view: a grouped join (no per-row subquery), narrowed to those customers first."""
    t2, o = Task.__table__.alias("t2"), Receivable.__table__.alias("o")
    wanted = select(t2.c.customer_id).where(t2.c.receivable_id.is_(None))
    if f.status:
        wanted = wanted.where(t2.c.status == f.status)
    if f.assignee:
        wanted = wanted.where(t2.c.assignee == f.assignee)
    if f.task_id is not None:
        wanted = wanted.where(t2.c.id == f.task_id)
    if f.visible_to is not None:
        theirs = select(Customer.id).where(Customer.collector == f.visible_to)
        wanted = wanted.where(or_(t2.c.assignee == f.visible_to, t2.c.customer_id.in_(theirs)))
    if f.customer:
        wanted = wanted.where(t2.c.customer_id.in_(
            select(Customer.id).where(Customer.code == f.customer)))
    return (select(o.c.customer_id, func.sum(o.c.balance).label("balance"),
                   func.min(o.c.due_date).label("oldest"))
            .where(o.c.customer_id.in_(wanted), o.c.stage.in_(OPEN_STAGES), o.c.due_date < day)
            .group_by(o.c.customer_id).subquery("late"))


def _priority_columns(session: Session, today: date, late: Any) -> tuple[Any, ...]:
    t, r = Task.__table__, Receivable.__table__
    day = literal(today, Date)
    customer_level = t.c.receivable_id.is_(None)
    at_risk = type_coerce(func.coalesce(case((customer_level, late.c.balance),
                                             else_=r.c.balance), 0), BigInteger)  # cents
    days = func.coalesce(case((customer_level, days_between(session, late.c.oldest, day)),
                              else_=days_between(session, r.c.due_date, day)), 0)
    priority = at_risk * case((days < 1, 1), else_=days)
    return at_risk.label("at_risk_cents"), days.label("days_overdue"), priority.label("priority")


def refresh_priorities(session: Session, today: date,
                       receivable_ids: Iterable[int] | None = None) -> None:
    """Write the ranking inputs of open tasks: all of them (the cycle), or those on
    ``receivable_ids`` and their customers' customer-level tasks (after payments)."""
    t, r = Task.__table__, Receivable.__table__
    day = literal(today, Date)
    late = (r.c.customer_id == t.c.customer_id, r.c.stage.in_(OPEN_STAGES), r.c.due_date < day)
    owed = select(func.coalesce(func.sum(r.c.balance), 0)).where(*late).scalar_subquery()
    oldest = select(func.min(r.c.due_date)).where(*late).scalar_subquery()
    ids = None if receivable_ids is None else sorted(set(receivable_ids))
    for chunk in [None] if ids is None else chunks(ids):
        # UPDATE ... FROM: one join, not a subquery per column (SQLite 3.33+, PostgreSQL)
        per_invoice = [t.c.status == "open", t.c.receivable_id == r.c.id]
        per_customer = [t.c.status == "open", t.c.receivable_id.is_(None)]
        if chunk is not None:
            per_invoice.append(t.c.receivable_id.in_(chunk))
            per_customer.append(t.c.customer_id.in_(
                select(r.c.customer_id).where(r.c.id.in_(chunk))))
        session.execute(update(t).where(*per_invoice).values(
            at_risk=type_coerce(r.c.balance, BigInteger), overdue_since=r.c.due_date,
            receivable_stage=r.c.stage))
        session.execute(update(t).where(*per_customer).values(
            at_risk=type_coerce(owed, BigInteger), overdue_since=oldest))


def _ranked_by_task(session: Session, today: date, f: TaskFilter) -> Select[Any]:
    """The ranking from the task row alone (tasks refreshed since they were made)."""
    t = Task.__table__
    days = func.coalesce(days_between(session, t.c.overdue_since, literal(today, Date)), 0)
    priority = t.c.at_risk * case((days < 1, 1), else_=days)
    stmt = select(t.c.id, t.c.due_date.label("task_due"), t.c.at_risk.label("at_risk_cents"),
                  days.label("days_overdue"), priority.label("priority"))
    return _filtered(stmt, f, stage_on_task=True).where(t.c.at_risk.is_not(None))


def _filtered(stmt: Select[Any], f: TaskFilter, late: Any = None, *,
              receivables: bool = False, stage_on_task: bool = False) -> Select[Any]:
    """``stmt`` over the tasks ``f`` asks for, joined only to what the filters (or, with
    ``receivables``, the selected columns) need: each join is a primary-key lookup per
    task, and with thousands of open tasks those lookups were most of the time."""
    t, r, c = Task.__table__, Receivable.__table__, Customer.__table__
    conditions: list[ColumnElement[bool]] = []
    if f.status:
        conditions.append(t.c.status == f.status)
    if f.task_id is not None:
        conditions.append(t.c.id == f.task_id)
    if f.assignee:
        conditions.append(t.c.assignee == f.assignee)
    if f.visible_to is not None:
        conditions.append(or_(t.c.assignee == f.visible_to, c.c.collector == f.visible_to))
    if f.kind:
        conditions.append(t.c.kind == f.kind)
    if f.stage:
        conditions.append((t.c.receivable_stage if stage_on_task else r.c.stage) == f.stage)
    if f.customer:
        conditions.append(c.c.code == f.customer)
    if f.invoice:
        conditions.append(r.c.number == f.invoice)
    joined: Any = t
    if f.visible_to is not None or f.customer:
        joined = joined.join(c, c.c.id == t.c.customer_id)
    if receivables or (f.stage and not stage_on_task) or f.invoice:
        joined = joined.outerjoin(r, r.c.id == t.c.receivable_id)
    if late is not None:
        joined = joined.outerjoin(late, and_(late.c.customer_id == t.c.customer_id,
                                             t.c.receivable_id.is_(None)))
    return stmt.select_from(joined).where(*conditions)


def _row(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "kind": row.kind, "status": row.status, "assignee": row.assignee,
        "due_date": row.due_date, "rule_id": row.rule_id, "policy_hash": row.policy_hash,
        "created_on": row.created_on, "closed_on": row.closed_on, "note": row.note,
        "customer": row.customer_code, "customer_name": row.customer_name,
        "collector": row.collector, "invoice": row.invoice, "stage": row.stage,
        "currency": row.currency or "CNY",
        "balance_at_risk": from_cents(int(row.at_risk_cents or 0)),
        "days_overdue": int(row.days_overdue or 0), "priority": int(row.priority or 0),
    }


def tasks(session: Session, today: date, f: TaskFilter, limit: int, offset: int
          ) -> list[dict[str, Any]]:
    """One page of tasks, highest priority first (then earliest due, then oldest).

    Two steps: rank every matching task with only the joins the ranking needs, keep the
    page, then fetch the page's customer and invoice details for those rows alone."""
    t, r, c = Task.__table__, Receivable.__table__, Customer.__table__
    late = _late_by_customer(f, literal(today, Date))
    cols = _priority_columns(session, today, late)
    live = _filtered(select(t.c.id, t.c.due_date.label("task_due"), *cols), f, late,
                     receivables=True).where(t.c.at_risk.is_(None))
    both = union_all(_ranked_by_task(session, today, f), live).subquery("ranked")
    page = (select(both).order_by(both.c.priority.desc(), both.c.task_due, both.c.id)
            .limit(limit).offset(offset).subquery("page"))
    stmt = (
        select(t.c.id, t.c.kind, t.c.status, t.c.assignee, t.c.due_date, t.c.rule_id,
               t.c.policy_hash, t.c.created_on, t.c.closed_on, t.c.note,
               c.c.code.label("customer_code"), c.c.name.label("customer_name"),
               c.c.collector, r.c.number.label("invoice"), r.c.stage, r.c.currency,
               page.c.at_risk_cents, page.c.days_overdue, page.c.priority)
        .select_from(page.join(t, t.c.id == page.c.id).join(c, c.c.id == t.c.customer_id)
                     .outerjoin(r, r.c.id == t.c.receivable_id))
        .order_by(page.c.priority.desc(), page.c.task_due, page.c.id)
    )
    return [_row(row) for row in session.execute(stmt)]


def counts(session: Session, today: date, f: TaskFilter) -> dict[str, int]:
    """Total matching, due today, and overdue (due before today): refreshed tasks from
    the index alone, the others (few: made since the last refresh) through the join."""
    t = Task.__table__
    sums = select(
        func.count().label("total"),
        func.coalesce(func.sum(case((t.c.due_date == today, 1), else_=0)), 0).label("today"),
        func.coalesce(func.sum(case((t.c.due_date < today, 1), else_=0)), 0).label("late"),
    )
    found = {"total": 0, "due_today": 0, "overdue": 0}
    for stmt in (_filtered(sums, f, stage_on_task=True).where(t.c.at_risk.is_not(None)),
                 _filtered(sums, f).where(t.c.at_risk.is_(None))):
        row = session.execute(stmt).one()
        found["total"] += int(row.total)
        found["due_today"] += int(row.today)
        found["overdue"] += int(row.late)
    return found


def task(session: Session, today: date, task_id: int, visible_to: str | None
         ) -> dict[str, Any] | None:
    """One task of any status, or None (also when ``visible_to`` may not see it)."""
    found = tasks(session, today, TaskFilter(status=None, task_id=task_id,
                                             visible_to=visible_to), 1, 0)
    return found[0] if found else None
