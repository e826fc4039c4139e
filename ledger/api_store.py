"""Reads for the REST API: filtered, paged listings and single records, scoped by caller.

Every function takes ``scope``: the collector whose customers alone may be seen, or None
(all). Listings count with the same filters and fetch one page; aggregates
(balances) are computed in one grouped query for the page's customers, never per row.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, or_, select, type_coerce
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES
from ledger.models import Allocation, Customer, Payment, Receivable, RiskWarning, StageChange
from ledger.money import Money

ZERO = Decimal("0.00")
C, R, P, W = Customer.__table__, Receivable.__table__, Payment.__table__, RiskWarning.__table__


def page(session: Session, stmt: Select[Any], limit: int, offset: int
         ) -> tuple[list[Any], int]:
    """One page of ``stmt`` (ordered) and the count of all its rows."""
    total = session.execute(
        stmt.with_only_columns(func.count(), maintain_column_froms=False).order_by(None)
    ).scalar_one()
    rows = list(session.execute(stmt.limit(limit).offset(offset))) if total > offset else []
    return rows, total


def _scoped(stmt: Select[Any], scope: str | None) -> Select[Any]:
    """Only the customers of collector ``scope`` (None: every customer)."""
    return stmt if scope is None else stmt.where(C.c.collector == scope)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def customers(session: Session, scope: str | None, *, segment: str | None,
              collector: str | None, q: str | None, limit: int, offset: int
              ) -> tuple[list[Any], int]:
    stmt = _scoped(select(C).select_from(C), scope).order_by(C.c.code)
    if segment is not None:
        stmt = stmt.where(C.c.segment == segment)
    if collector is not None:
        stmt = stmt.where(C.c.collector == collector)
    if q:
        pattern = _like(q.lower())
        stmt = stmt.where(or_(func.lower(C.c.code).like(pattern, escape="\\"),
                              func.lower(C.c.name).like(pattern, escape="\\")))
    return page(session, stmt, limit, offset)


def customer(session: Session, code: str) -> Any | None:
    return session.execute(select(C).where(C.c.code == code)).first()


def balances(session: Session, customer_ids: list[int], today: date
             ) -> dict[int, dict[str, Any]]:
    """Open balance and overdue part per currency (never added across currencies), open
    count and unapplied credit per customer. ``balance``/``overdue``/``currency`` are set
    when every open receivable is in one currency, else None (see ``balances``)."""
    if not customer_ids:
        return {}
    late = case((R.c.due_date < today, R.c.balance), else_=0)
    stmt = (
        select(R.c.customer_id, R.c.currency,
               type_coerce(func.sum(R.c.balance), Money()).label("balance"),
               type_coerce(func.sum(late), Money()).label("overdue"),
               func.count().label("n"))
        .where(R.c.customer_id.in_(customer_ids), R.c.stage.in_(ACTIVE_STAGES))
        .group_by(R.c.customer_id, R.c.currency)
        .order_by(R.c.customer_id, R.c.currency)
    )
    out: dict[int, dict[str, Any]] = {
        cid: {"currency": None, "balance": ZERO, "overdue": ZERO, "balances": [],
              "open_receivables": 0, "unapplied_credit": ZERO} for cid in customer_ids}
    for row in session.execute(stmt):
        found = out[row.customer_id]
        found["balances"].append({"currency": row.currency, "balance": row.balance or ZERO,
                                  "overdue": row.overdue or ZERO, "open_receivables": row.n})
        found["open_receivables"] += row.n
    for found in out.values():
        if len(found["balances"]) == 1:
            only = found["balances"][0]
            found.update(currency=only["currency"], balance=only["balance"],
                         overdue=only["overdue"])
        elif found["balances"]:  # mixed currencies: no single sum is meaningful
            found.update(balance=None, overdue=None)
    credit = (select(P.c.customer_id, type_coerce(func.sum(P.c.unapplied), Money()))
              .where(P.c.customer_id.in_(customer_ids)).group_by(P.c.customer_id))
    for cid, unapplied in session.execute(credit):
        out[cid]["unapplied_credit"] = unapplied or ZERO
    return out


def _receivable_select() -> Select[Any]:
    return select(R, C.c.code.label("customer_code"), C.c.collector).select_from(
        R.join(C, C.c.id == R.c.customer_id))


def receivables(session: Session, scope: str | None, today: date, *,
                customer: str | None, stage: str | None, overdue: bool | None,
                due_before: date | None, limit: int, offset: int) -> tuple[list[Any], int]:
    stmt = _scoped(_receivable_select(), scope).order_by(R.c.due_date, R.c.number)
    if customer is not None:
        stmt = stmt.where(C.c.code == customer)
    if stage is not None:
        stmt = stmt.where(R.c.stage == stage)
    if overdue is True:
        stmt = stmt.where(R.c.stage.in_(ACTIVE_STAGES), R.c.due_date < today)
    elif overdue is False:
        stmt = stmt.where(or_(R.c.stage.not_in(ACTIVE_STAGES), R.c.due_date >= today))
    if due_before is not None:
        stmt = stmt.where(R.c.due_date < due_before)
    return page(session, stmt, limit, offset)


def receivable(session: Session, number: str) -> Any | None:
    return session.execute(_receivable_select().where(R.c.number == number)).first()


def _payment_select() -> Select[Any]:
    return select(P, C.c.code.label("customer_code"), C.c.collector).select_from(
        P.join(C, C.c.id == P.c.customer_id))


def payments(session: Session, scope: str | None, *, customer: str | None,
             limit: int, offset: int) -> tuple[list[Any], int]:
    stmt = _scoped(_payment_select(), scope).order_by(P.c.date.desc(), P.c.reference)
    if customer is not None:
        stmt = stmt.where(C.c.code == customer)
    return page(session, stmt, limit, offset)


def payment(session: Session, reference: str) -> Any | None:
    return session.execute(_payment_select().where(P.c.reference == reference)).first()


def warnings(session: Session, scope: str | None, *, level: str | None,
             is_open: bool | None, customer: str | None, limit: int, offset: int
             ) -> tuple[list[Any], int]:
    stmt = _scoped(
        select(W, C.c.code.label("customer_code"), R.c.number.label("invoice"))
        .select_from(W.join(C, C.c.id == W.c.customer_id)
                     .outerjoin(R, R.c.id == W.c.receivable_id)),
        scope,
    ).order_by(W.c.opened_on.desc(), W.c.id.desc())
    if level is not None:
        stmt = stmt.where(W.c.level == level)
    if is_open is True:
        stmt = stmt.where(W.c.closed_on.is_(None))
    elif is_open is False:
        stmt = stmt.where(W.c.closed_on.is_not(None))
    if customer is not None:
        stmt = stmt.where(C.c.code == customer)
    return page(session, stmt, limit, offset)


def stage_history(session: Session, receivable_id: int) -> list[Any]:
    s = StageChange.__table__
    stmt = select(s).where(s.c.receivable_id == receivable_id).order_by(s.c.on_date, s.c.id)
    return list(session.execute(stmt))


def receivable_warnings(session: Session, receivable_id: int) -> list[Any]:
    stmt = select(W).where(W.c.receivable_id == receivable_id).order_by(W.c.id)
    return list(session.execute(stmt))


def allocations(session: Session, *, payment_id: int | None = None,
                receivable_id: int | None = None) -> list[Any]:
    """What a payment paid, or what paid a receivable: invoice, reference, amount."""
    a = Allocation.__table__
    stmt = (select(R.c.number.label("invoice"), P.c.reference, P.c.date, a.c.amount)
            .select_from(a.join(R, R.c.id == a.c.receivable_id)
                         .join(P, P.c.id == a.c.payment_id))
            .order_by(P.c.date, a.c.id))
    if payment_id is not None:
        stmt = stmt.where(a.c.payment_id == payment_id)
    if receivable_id is not None:
        stmt = stmt.where(a.c.receivable_id == receivable_id)
    return list(session.execute(stmt))
