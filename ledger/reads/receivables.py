"""Receivables: the listing (stage, customer, overdue, due before; scope, paging), one
receivable, the receivable page's header, and the parts of its story (stage history,
tasks, audit trail; warnings in ledger/reads/warnings.py, payments in payments.py, the
merged timeline in timeline.py).

Days overdue: ``days_overdue`` is the days past due of an active (open or disputed)
receivable, 0 once it is closed (the CLI, the API and the customer page agree); the
receivable page's header counts a closed receivable's days past due too
(``while_closed=True``), as the page and the collector actions' answers always have.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Select, or_, select
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES
from ledger.models import Activity, Customer, Receivable, StageChange, Task, TaskReceivable
from ledger.reads.paging import page, scoped

C, R = Customer.__table__, Receivable.__table__
ACTIVE = frozenset(ACTIVE_STAGES)


def days_overdue(due_date: date, today: date, stage: str, *, while_closed: bool = False
                 ) -> int:
    if stage not in ACTIVE and not while_closed:
        return 0
    return max(0, (today - due_date).days)


@dataclass(frozen=True)
class ReceivableRow:
    id: int
    customer_id: int
    number: str
    customer_code: str
    customer_name: str
    collector: str | None
    issue_date: date
    due_date: date
    amount: Decimal
    balance: Decimal
    currency: str
    stage: str
    stage_since: date
    held_stage: str | None  # the stage a dispute holds
    days_overdue: int


@dataclass(frozen=True)
class StageStep:
    from_stage: str
    to_stage: str
    on_date: date
    rule_id: str
    actor: str


@dataclass(frozen=True)
class TaskRow:
    kind: str
    status: str
    assignee: str
    due_date: date
    rule_id: str


@dataclass(frozen=True)
class AuditRow:
    on_date: date
    actor: str
    action: str
    rule_id: str
    policy_hash: str
    details: dict[str, Any]


def _select() -> Select[Any]:
    return select(R, C.c.code.label("customer_code"), C.c.name.label("customer_name"),
                  C.c.collector).select_from(R.join(C, C.c.id == R.c.customer_id))


def _row(row: Any, today: date) -> ReceivableRow:
    return ReceivableRow(
        id=row.id, customer_id=row.customer_id, number=row.number,
        customer_code=row.customer_code, customer_name=row.customer_name,
        collector=row.collector, issue_date=row.issue_date, due_date=row.due_date,
        amount=row.amount, balance=row.balance, currency=row.currency, stage=row.stage,
        stage_since=row.stage_since, held_stage=row.resume_stage,
        days_overdue=days_overdue(row.due_date, today, row.stage))


def listing(session: Session, today: date, *, scope: str | None = None,
            customer: str | None = None, stage: str | None = None,
            overdue: bool | None = None, due_before: date | None = None,
            limit: int | None = None, offset: int = 0) -> tuple[list[ReceivableRow], int]:
    """By due date, then number. ``stage``: a stage, or ``open`` for every active one;
    ``overdue``: True active and past due, False the others."""
    stmt = scoped(_select(), scope).order_by(R.c.due_date, R.c.number)
    if customer is not None:
        stmt = stmt.where(C.c.code == customer)
    if stage == "open":
        stmt = stmt.where(R.c.stage.in_(ACTIVE_STAGES))
    elif stage is not None:
        stmt = stmt.where(R.c.stage == stage)
    if overdue is True:
        stmt = stmt.where(R.c.stage.in_(ACTIVE_STAGES), R.c.due_date < today)
    elif overdue is False:
        stmt = stmt.where(or_(R.c.stage.not_in(ACTIVE_STAGES), R.c.due_date >= today))
    if due_before is not None:
        stmt = stmt.where(R.c.due_date < due_before)
    rows, total = page(session, stmt, limit, offset)
    return [_row(r, today) for r in rows], total


def one(session: Session, number: str, today: date) -> ReceivableRow | None:
    row = session.execute(_select().where(R.c.number == number)).first()
    return None if row is None else _row(row, today)


def receivable_header(session: Session, number: str, today: date) -> dict[str, Any] | None:
    """The receivable page's header (and the collector actions' answer): every column of
    the receivable, its customer's code, name, collector and pause, and the days past due
    (counted on a closed receivable too)."""
    row = session.execute(
        select(R, C.c.code, C.c.name.label("customer_name"), C.c.collector,
               C.c.reminders_paused)
        .select_from(R.join(C, C.c.id == R.c.customer_id)).where(R.c.number == number)
    ).first()
    if row is None:
        return None
    data = dict(row._mapping)
    data["days_overdue"] = days_overdue(row.due_date, today, row.stage, while_closed=True)
    return data


def stage_history(session: Session, receivable_id: int, *,
                  order: Literal["day", "recorded"] = "day") -> list[StageStep]:
    """``day``: by the day of the move, then as recorded (the API); ``recorded``: as
    recorded only (``arflow show``)."""
    s = StageChange.__table__
    keys = (s.c.on_date, s.c.id) if order == "day" else (s.c.id,)
    stmt = select(s).where(s.c.receivable_id == receivable_id).order_by(*keys)
    return [StageStep(from_stage=r.from_stage, to_stage=r.to_stage, on_date=r.on_date,
                      rule_id=r.rule_id, actor=r.actor) for r in session.execute(stmt)]


def tasks(session: Session, receivable_id: int) -> list[TaskRow]:
    t, link = Task.__table__, TaskReceivable.__table__
    stmt = (select(t).select_from(t.join(link, link.c.task_id == t.c.id))
            .where(link.c.receivable_id == receivable_id).order_by(t.c.id))
    return [TaskRow(kind=r.kind, status=r.status, assignee=r.assignee, due_date=r.due_date,
                    rule_id=r.rule_id) for r in session.execute(stmt)]


def audit(session: Session, receivable_id: int) -> list[AuditRow]:
    a = Activity.__table__
    stmt = (select(a).where(a.c.entity == "receivable", a.c.entity_id == receivable_id)
            .order_by(a.c.id))
    return [AuditRow(on_date=r.on_date, actor=r.actor, action=r.action, rule_id=r.rule_id,
                     policy_hash=r.policy_hash, details=r.details)
            for r in session.execute(stmt)]
