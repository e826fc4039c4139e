"""Trade credit insurance deadlines in the database: which overdue receivables of insured
customers must be reported to the insurer, and which deadlines passed unreported.

The insurer's deadline for a receivable is ``due_date + report_overdue_after_days``. A
"report to insurer" task opens ``notify_days_before`` that day, once per receivable;
the deadline has passed unreported while that task is still open after the deadline.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES
from ledger.models import Customer, Receivable, Task, TaskReceivable

TASK_KIND = "report_to_insurer"


def _insured() -> Any:
    c = Customer.__table__
    return select(c.c.id).where(c.c.insured_limit.is_not(None), c.c.insured_limit > 0)


def reports_due(
    session: Session, as_of: date, deadline_days: int, notify_days: int
) -> list[dict[str, Any]]:
    """Open receivables of insured customers whose report task is due to open today (or
    earlier, for an invoice imported late) and has never been opened."""
    r = Receivable.__table__
    t = Task.__table__
    latest_due = as_of - timedelta(days=deadline_days - notify_days)
    link = TaskReceivable.__table__
    has_task = exists().where(and_(link.c.receivable_id == r.c.id, link.c.task_id == t.c.id,
                                   t.c.kind == TASK_KIND))
    stmt = (
        select(r.c.id, r.c.number, r.c.customer_id, r.c.due_date)
        .where(
            r.c.stage.in_(ACTIVE_STAGES),
            r.c.balance > 0,
            r.c.due_date <= latest_due,
            r.c.customer_id.in_(_insured()),
            ~has_task,
        )
        .order_by(r.c.customer_id, r.c.id)
    )
    return [
        {
            "id": row.id,
            "number": row.number,
            "customer_id": row.customer_id,
            "deadline": row.due_date + timedelta(days=deadline_days),
        }
        for row in session.execute(stmt)
    ]


def deadlines_passed(session: Session, as_of: date, deadline_days: int) -> set[int]:
    """Receivables whose insurer deadline is before ``as_of`` with the report task open."""
    r, t, link = Receivable.__table__, Task.__table__, TaskReceivable.__table__
    stmt = (
        select(r.c.id)
        .select_from(r.join(link, link.c.receivable_id == r.c.id)
                     .join(t, t.c.id == link.c.task_id))
        .where(
            t.c.kind == TASK_KIND,
            t.c.status == "open",
            link.c.left_on.is_(None),
            r.c.due_date < as_of - timedelta(days=deadline_days),
        )
    )
    return set(session.execute(stmt).scalars())
