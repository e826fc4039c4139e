"""Risk warnings: the listing (level, open or closed, customer; scope, paging) and one
receivable's warnings.

Order is a parameter because the shells differ: the API lists newest first
(``newest_first=True``: opened on, then id, descending), ``arflow warnings`` oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import Session

from ledger.models import Customer, Receivable, RiskWarning
from ledger.reads.paging import page, scoped

C, R, W = Customer.__table__, Receivable.__table__, RiskWarning.__table__


@dataclass(frozen=True)
class WarningRow:
    id: int
    rule_id: str
    level: str
    scope: str  # receivable | customer
    subject: str  # invoice number or customer code
    customer_code: str
    invoice: str | None
    opened_on: date
    closed_on: date | None


def _select() -> Select[Any]:
    return (select(W, C.c.code.label("customer_code"), R.c.number.label("invoice"))
            .select_from(W.join(C, C.c.id == W.c.customer_id)
                         .outerjoin(R, R.c.id == W.c.receivable_id)))


def _row(row: Any) -> WarningRow:
    return WarningRow(id=row.id, rule_id=row.rule_id, level=row.level, scope=row.scope,
                      subject=row.subject, customer_code=row.customer_code,
                      invoice=row.invoice, opened_on=row.opened_on, closed_on=row.closed_on)


def listing(session: Session, *, scope: str | None = None, level: str | None = None,
            is_open: bool | None = None, customer: str | None = None,
            newest_first: bool = True, limit: int | None = None, offset: int = 0
            ) -> tuple[list[WarningRow], int]:
    """``is_open``: True open only, False closed only, None both."""
    keys = ((W.c.opened_on.desc(), W.c.id.desc()) if newest_first
            else (W.c.opened_on, W.c.id))
    stmt = scoped(_select(), scope).order_by(*keys)
    if level is not None:
        stmt = stmt.where(W.c.level == level)
    if is_open is True:
        stmt = stmt.where(W.c.closed_on.is_(None))
    elif is_open is False:
        stmt = stmt.where(W.c.closed_on.is_not(None))
    if customer is not None:
        stmt = stmt.where(C.c.code == customer)
    rows, total = page(session, stmt, limit, offset)
    return [_row(r) for r in rows], total


def of_receivable(session: Session, receivable_id: int) -> list[WarningRow]:
    """As raised (by id)."""
    stmt = _select().where(W.c.receivable_id == receivable_id).order_by(W.c.id)
    return [_row(r) for r in session.execute(stmt)]
