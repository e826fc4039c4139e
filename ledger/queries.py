"""Read-only queries for the CLI and, later, the web: listings and one receivable's story."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, func, literal, select, type_coerce
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES
from ledger.facts import days_between
from ledger.models import (
    Activity,
    Customer,
    Outbox,
    Payment,
    Receivable,
    RiskWarning,
    StageChange,
    Task,
)
from ledger.money import Money


def customers(session: Session) -> list[dict[str, Any]]:
    c, r, p = Customer.__table__, Receivable.__table__, Payment.__table__
    open_ar = (
        select(
            r.c.customer_id,
            type_coerce(func.sum(r.c.balance), Money()).label("b"),
            func.count().label("n"),
        )
        .where(r.c.stage.in_(ACTIVE_STAGES))
        .group_by(r.c.customer_id)
        .subquery()
    )
    credit = (
        select(p.c.customer_id, type_coerce(func.sum(p.c.unapplied), Money()).label("u"))
        .group_by(p.c.customer_id)
        .subquery()
    )
    stmt = (
        select(
            c.c.code,
            c.c.name,
            c.c.segment,
            c.c.country,
            c.c.language,
            c.c.collector,
            c.c.credit_limit,
            c.c.rating,
            open_ar.c.b,
            open_ar.c.n,
            credit.c.u,
        )
        .select_from(
            c.outerjoin(open_ar, open_ar.c.customer_id == c.c.id).outerjoin(
                credit, credit.c.customer_id == c.c.id
            )
        )
        .order_by(c.c.code)
    )
    zero = Decimal("0.00")
    return [
        {
            "code": row.code,
            "name": row.name,
            "segment": row.segment,
            "country": row.country,
            "language": row.language,
            "collector": row.collector,
            "rating": row.rating,
            "credit_limit": row.credit_limit,
            "open_receivables": row.n or 0,
            "open_balance": row.b or zero,
            "unapplied_credit": row.u or zero,
        }
        for row in session.execute(stmt)
    ]


def receivables(
    session: Session,
    as_of: date,
    stage: str | None = None,
    customer: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    r, c = Receivable.__table__, Customer.__table__
    to_due = days_between(session, literal(as_of, Date), r.c.due_date)
    stmt = (
        select(
            r.c.number,
            c.c.code,
            r.c.issue_date,
            r.c.due_date,
            r.c.amount,
            r.c.balance,
            r.c.currency,
            r.c.stage,
            r.c.resume_stage,
            to_due.label("days_to_due"),
        )
        .select_from(r.join(c, c.c.id == r.c.customer_id))
        .order_by(r.c.due_date, r.c.number)
    )
    if stage == "open":
        stmt = stmt.where(r.c.stage.in_(ACTIVE_STAGES))
    elif stage:
        stmt = stmt.where(r.c.stage == stage)
    if customer:
        stmt = stmt.where(c.c.code == customer)
    if limit:
        stmt = stmt.limit(limit)
    return [
        {
            "number": row.number,
            "customer_code": row.code,
            "issue_date": row.issue_date,
            "due_date": row.due_date,
            "amount": row.amount,
            "balance": row.balance,
            "currency": row.currency,
            "stage": row.stage,
            "held_stage": row.resume_stage,
            "days_overdue": max(0, -int(row.days_to_due)) if row.stage in ACTIVE_STAGES else 0,
        }
        for row in session.execute(stmt)
    ]


def warnings(
    session: Session, include_closed: bool = False, level: str | None = None
) -> list[dict[str, Any]]:
    t = RiskWarning.__table__
    stmt = select(t).order_by(t.c.opened_on, t.c.id)
    if not include_closed:
        stmt = stmt.where(t.c.closed_on.is_(None))
    if level:
        stmt = stmt.where(t.c.level == level)
    return [
        {
            "id": row.id,
            "rule": row.rule_id,
            "level": row.level,
            "scope": row.scope,
            "subject": row.subject,
            "opened_on": row.opened_on,
            "closed_on": row.closed_on,
        }
        for row in session.execute(stmt)
    ]


def receivable_story(session: Session, number: str) -> dict[str, Any] | None:
    """Everything recorded about one receivable: history, warnings, tasks, audit trail."""
    rec = session.execute(select(Receivable).where(Receivable.number == number)).scalar()
    if rec is None:
        return None
    customer = session.get(Customer, rec.customer_id)
    history = (
        session.execute(
            select(StageChange).where(StageChange.receivable_id == rec.id).order_by(StageChange.id)
        )
        .scalars()
        .all()
    )  # type: ignore[arg-type]
    warns = (
        session.execute(
            select(RiskWarning).where(RiskWarning.receivable_id == rec.id).order_by(RiskWarning.id)
        )
        .scalars()
        .all()
    )  # type: ignore[arg-type]
    tasks = (
        session.execute(select(Task).where(Task.receivable_id == rec.id).order_by(Task.id))
        .scalars()
        .all()
    )  # type: ignore[arg-type]
    audit = (
        session.execute(
            select(Activity)
            .where(Activity.entity == "receivable", Activity.entity_id == rec.id)
            .order_by(Activity.id)
        )
        .scalars()
        .all()
    )  # type: ignore[arg-type]
    return {
        "receivable": rec,
        "customer": customer,
        "history": history,
        "warnings": warns,
        "tasks": tasks,
        "audit": audit,
    }


def outbox(session: Session, status: str | None = None, limit: int | None = None
           ) -> list[dict[str, Any]]:
    """Messages for `arflow outbox --json` (the field names scripts rely on)."""
    t, c = Outbox.__table__, Customer.__table__
    stmt = (select(t, c.c.code).select_from(t.join(c, c.c.id == t.c.customer_id))
            .order_by(t.c.id))
    if status:
        stmt = stmt.where(t.c.status == status)
    if limit:
        stmt = stmt.limit(limit)
    return [_message(row) for row in session.execute(stmt)]


def outbox_message(session: Session, outbox_id: int) -> dict[str, Any] | None:
    t, c = Outbox.__table__, Customer.__table__
    row = session.execute(select(t, c.c.code).select_from(t.join(c, c.c.id == t.c.customer_id))
                          .where(t.c.id == outbox_id)).first()
    if row is None:
        return None
    return {**_message(row), "subject": row.subject, "text": row.body_text,
            "html": row.body_html, "message_id": row.message_id}


def _message(row: Any) -> dict[str, Any]:
    return {"id": row.id, "key": row.key, "customer_code": row.code, "for_date": row.for_date,
            "template": row.template, "language": row.language, "to": row.to_addr,
            "cc": list(row.cc or []), "status": row.status,
            "items": [{"invoice": i["invoice"], "step": i["step"]} for i in row.items],
            "attempts": row.attempts, "last_error": row.last_error,
            "sent_at": row.sent_at, "next_attempt_at": row.next_attempt_at}
