"""Facts for the rules engine, computed in SQL in bulk (never one query per receivable).

Fact names are those of shared/POLICY.md; customer facts carry a ``customer.`` prefix so
a receivable's fact dict is its own facts merged with its customer's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES
from ledger.fx_exposure import foreign_exposure, restate
from ledger.models import (
    Customer,
    Payment,
    Promise,
    PromiseReceivable,
    Receivable,
    Reminder,
    SalesOrder,
)
from ledger.money import Money

OPEN_ORDER_STATUSES = ("approved", "prepay", "held")  # count in exposure until invoiced


def days_between(session: Session, start: Any, end: Any) -> ColumnElement[int]:
    """``end - start`` in whole days, on SQLite and PostgreSQL."""
    return _days_between(session.get_bind().dialect.name, start, end)


def _days_between(dialect: str, start: Any, end: Any) -> ColumnElement[int]:
    if dialect == "sqlite":
        return cast(func.julianday(end) - func.julianday(start), Integer)
    return cast(end - start, Integer)


def _as_of(as_of: date) -> Any:
    return literal(as_of, Date)


def customer_facts(
    session: Session, as_of: date, only: int | None = None, book: str | None = None
) -> dict[int, dict[str, Any]]:
    """Every customer's facts on ``as_of``, keyed by customer id (``only``: one customer's,
    for an order check, with every subquery narrowed to it). With ``book`` (the book
    currency) exposure and utilisation are in it, other currencies converted at the day's
    rate (ledger/fx_exposure; without a rate left out); without, amounts are summed as
    owed."""
    stmt = _customer_stmt(session.get_bind().dialect.name, only is not None)
    params: dict[str, Any] = {"day": as_of, "since": as_of - timedelta(days=90)}
    if only is not None:
        params["only"] = only
    facts: dict[int, dict[str, Any]] = {}
    for row in session.execute(stmt, params):
        open_balance = _cents(row.open_balance)
        overdue = _cents(row.overdue_balance)
        exposure = open_balance + _cents(row.open_orders)
        limit = row.credit_limit
        facts[row.id] = {
            "customer.code": row.code,
            "customer.segment": row.segment or "",
            "customer.rating": row.rating,
            "customer.country": row.country,
            "customer.credit_limit": limit,
            "customer.exposure": exposure,
            "customer.utilization": float(exposure / limit) if limit else None,
            "customer.open_balance": open_balance,
            "customer.overdue_balance": overdue,
            "customer.overdue_ratio": float(overdue / open_balance) if open_balance else 0.0,
            "customer.max_days_overdue": int(row.max_days_overdue or 0),
            "customer.broken_promises_90d": int(row.broken or 0),
        }
    if book is not None:
        restate(facts, foreign_exposure(session, as_of, book, only))
    return facts


@cache
def _customer_stmt(dialect: str, single: bool) -> Select[Any]:
    """The customer-facts statement, built once per dialect: an order check runs it per
    call, and building SQLAlchemy constructs costs more than SQLite's query does."""
    r = Receivable.__table__
    day = bindparam("day", type_=Date)
    only = bindparam("only", type_=Integer) if single else None
    overdue_days = _days_between(dialect, r.c.due_date, day)
    open_ar = (
        select(
            r.c.customer_id,
            type_coerce(func.sum(r.c.balance), Money()).label("open_balance"),
            type_coerce(func.sum(case((r.c.due_date < day, r.c.balance), else_=0)), Money()).label(
                "overdue_balance"
            ),
            func.max(case((r.c.due_date < day, overdue_days), else_=0)).label("max_days_overdue"),
        )
        .where(r.c.stage.in_(ACTIVE_STAGES), r.c.balance > 0)
        .where(*([r.c.customer_id == only] if single else []))
        .group_by(r.c.customer_id)
        .subquery()
    )
    p = Promise.__table__
    broken = (  # a broken plan counts once: its one broken instalment (the rest cancelled)
        select(p.c.customer_id, func.count().label("broken"))
        .where(
            p.c.status == "broken",
            p.c.broken_on > bindparam("since", type_=Date),
            p.c.broken_on <= day,
            *([p.c.customer_id == only] if single else []),
        )
        .group_by(p.c.customer_id)
        .subquery()
    )
    orders = open_orders_exposure(only)
    c = Customer.__table__
    stmt = select(
        c.c.id,
        c.c.code,
        c.c.segment,
        c.c.rating,
        c.c.country,
        c.c.credit_limit,
        open_ar.c.open_balance,
        open_ar.c.overdue_balance,
        open_ar.c.max_days_overdue,
        broken.c.broken,
        orders.c.open_orders,
    ).select_from(
        c.outerjoin(open_ar, open_ar.c.customer_id == c.c.id)
        .outerjoin(broken, broken.c.customer_id == c.c.id)
        .outerjoin(orders, orders.c.customer_id == c.c.id)
    )
    return stmt.where(c.c.id == only) if single else stmt


def open_orders_exposure(customer_id: Any = None) -> Any:
    """Per customer, what its open orders add to exposure (a subquery).

    Exposure = open receivables' balance + open orders. An open order counts its amount
    less the still-unapplied prepayments linked to it (never below zero): that advance
    is counted once, against its order, and once the order is invoiced the prepayment is
    applied to the invoice's balance instead. Other unapplied credit (an overpayment, a
    prepayment linked to no order) is NOT subtracted: it may be owed back, so it never
    lowers exposure, and so it is never counted twice either.
    """
    o = SalesOrder.__table__
    p = Payment.__table__
    only_o = [o.c.customer_id == customer_id] if customer_id is not None else []
    only_p = [p.c.customer_id == customer_id] if customer_id is not None else []
    linked = (
        select(p.c.order_id, func.sum(p.c.unapplied).label("unapplied"))
        .where(p.c.kind == "prepayment", p.c.order_id.is_not(None), p.c.unapplied > 0, *only_p)
        .group_by(p.c.order_id)
        .subquery()
    )
    net = o.c.amount - func.coalesce(linked.c.unapplied, 0)
    return (
        select(
            o.c.customer_id,
            type_coerce(func.sum(case((net > 0, net), else_=0)), Money()).label("open_orders"),
        )
        .select_from(o.outerjoin(linked, linked.c.order_id == o.c.id))
        .where(o.c.status.in_(OPEN_ORDER_STATUSES), *only_o)
        .group_by(o.c.customer_id)
        .subquery()
    )


def _cents(value: Decimal | None) -> Decimal:
    """A money aggregate over no rows is zero, not null."""
    return value if value is not None else Decimal("0.00")


def receivable_rows(
    session: Session, as_of: date, chunk_size: int = 5000, only: int | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Active receivables (open, or held by a dispute) with their own facts, in chunks of
    whole customers."""
    r = Receivable.__table__
    day = _as_of(as_of)
    p, link = Promise.__table__, PromiseReceivable.__table__
    m = Reminder.__table__
    promised = (  # covered by an open promise or plan instalment not yet past its date
        select(func.count())
        .select_from(link.join(p, p.c.id == link.c.promise_id))
        .where(and_(link.c.receivable_id == r.c.id, p.c.status == "open",
                    p.c.promised_date >= day))
        .correlate(r)
        .scalar_subquery()
    )
    sent = (
        select(func.count())
        .select_from(m)
        .where(m.c.receivable_id == r.c.id, m.c.superseded.is_(False))
        .correlate(r)
        .scalar_subquery()
    )
    to_due = days_between(session, day, r.c.due_date)
    in_stage = days_between(session, r.c.stage_since, day)
    columns = (
        r.c.id,
        r.c.number,
        r.c.customer_id,
        r.c.amount,
        r.c.balance,
        r.c.currency,
        r.c.stage,
        r.c.resume_stage,
        to_due.label("days_to_due"),
        in_stage.label("days_in_stage"),
        promised.label("promised"),
        sent.label("reminders_sent"),
    )
    active = r.c.stage.in_(ACTIVE_STAGES)
    if only is not None:
        windows = [(None, None)]
    else:
        windows = customer_windows(session, chunk_size)
    for low, high in windows:
        stmt = select(*columns).order_by(r.c.customer_id, r.c.id)
        if only is not None:
            stmt = stmt.where(active, r.c.id == only)
        else:
            # ``stage || ''`` keeps the planner off the stage index: SQLite would otherwise
            # scan every active row for each window instead of the window's customer range
            stmt = stmt.where(
                r.c.customer_id >= low,
                r.c.customer_id <= high,
                r.c.stage.concat("").in_(ACTIVE_STAGES),
            )
        result = session.execute(stmt)
        keys = tuple(result.keys())
        rows = [dict(zip(keys, row, strict=True)) for row in result]
        if rows:
            yield rows


def customer_windows(session: Session, chunk_size: int) -> list[tuple[int, int]]:
    """Ranges of customer ids holding about ``chunk_size`` active receivables each.

    Chunks never split a customer, so a customer's reminders (one email a day listing all
    its receivables) are planned and written in the same transaction as its stage changes.
    """
    r = Receivable.__table__
    counts = session.execute(
        select(r.c.customer_id, func.count())
        .where(r.c.stage.in_(ACTIVE_STAGES))
        .group_by(r.c.customer_id)
        .order_by(r.c.customer_id)
    ).all()
    windows: list[tuple[int, int]] = []
    start, size = None, 0
    for customer_id, count in counts:
        if start is None:
            start = customer_id
        size += count
        if size >= chunk_size:
            windows.append((start, customer_id))
            start, size = None, 0
    if start is not None:
        windows.append((start, counts[-1][0]))
    return windows


def receivable_facts(row: dict[str, Any], customer: dict[str, Any]) -> dict[str, Any]:
    """The engine's flat fact dict for one receivable row of ``receivable_rows``."""
    days_to_due = int(row["days_to_due"])
    held = row["stage"] == "disputed"
    return {
        "id": row["id"],
        "amount": row["amount"],
        "balance": row["balance"],
        "currency": row["currency"],
        "days_to_due": days_to_due,
        "days_overdue": max(0, -days_to_due),
        "days_in_stage": int(row["days_in_stage"]),
        "stage": row["resume_stage"] if held else row["stage"],
        "disputed": held,
        "promised": bool(row["promised"]),
        "reminders_sent": int(row["reminders_sent"]),
        **customer,
    }
