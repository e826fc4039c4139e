"""Exposure in the book currency: the part of each customer's exposure that is in another
currency, read apart and converted at the rate of the day.

ledger/facts sums a customer's open receivables and open orders in one figure; in a book
of one currency that figure is already right (and the query below finds nothing, so a
CNY-only book gives identical numbers). Money in other currencies is taken out of it and
put back converted (engine/fx), or, with no rate for it, left out and reported as
unconverted: never added 1:1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlmodel import Session

from engine.fx import Converted, Rates
from engine.stages import ACTIVE_STAGES
from ledger import fx_store
from ledger.models import Payment, Receivable, SalesOrder
from ledger.money import Money

OPEN_ORDER_STATUSES = ("approved", "prepay", "held")  # as ledger/facts: until invoiced


@dataclass(frozen=True)
class Foreign:
    """A customer's exposure in currencies other than the book's, and it converted."""

    amounts: dict[str, Decimal]  # per currency, as owed
    converted: Converted

    @property
    def as_owed(self) -> Decimal:
        return sum(self.amounts.values(), Decimal("0.00"))


def foreign_amounts(session: Session, book: str, only: int | None = None
                    ) -> dict[int, dict[str, Decimal]]:
    """Per customer, per currency other than ``book``: open receivables' balance plus open
    orders (less their linked unapplied prepayments), as ledger/facts counts them."""
    r, o, p = Receivable.__table__, SalesOrder.__table__, Payment.__table__
    out: dict[int, dict[str, Decimal]] = {}
    ar = (select(r.c.customer_id, r.c.currency,
                 type_coerce(func.sum(r.c.balance), Money()).label("amount"))
          .where(r.c.stage.in_(ACTIVE_STAGES), r.c.balance > 0, r.c.currency != book,
                 *([r.c.customer_id == only] if only is not None else []))
          .group_by(r.c.customer_id, r.c.currency))
    linked = (
        select(p.c.order_id, func.sum(p.c.unapplied).label("unapplied"))
        .where(p.c.kind == "prepayment", p.c.order_id.is_not(None), p.c.unapplied > 0,
               *([p.c.customer_id == only] if only is not None else []))
        .group_by(p.c.order_id)
        .subquery()
    )
    net = o.c.amount - func.coalesce(linked.c.unapplied, 0)
    orders = (select(o.c.customer_id, o.c.currency,
                     type_coerce(func.sum(case((net > 0, net), else_=0)), Money()).label("amount"))
              .select_from(o.outerjoin(linked, linked.c.order_id == o.c.id))
              .where(o.c.status.in_(OPEN_ORDER_STATUSES), o.c.currency != book,
                     *([o.c.customer_id == only] if only is not None else []))
              .group_by(o.c.customer_id, o.c.currency))
    for stmt in (ar, orders):
        for row in session.execute(stmt):
            if row.amount:
                per = out.setdefault(row.customer_id, {})
                per[row.currency] = per.get(row.currency, Decimal("0.00")) + row.amount
    return out


def foreign_exposure(session: Session, as_of: date, book: str, only: int | None = None,
                     rates: Rates | None = None) -> dict[int, Foreign]:
    """Per customer with money in other currencies: those amounts and their conversion at
    the rates in force on ``as_of`` (read here unless given)."""
    amounts = foreign_amounts(session, book, only)
    if not amounts:
        return {}
    if rates is None:
        codes = {code for per in amounts.values() for code in per}
        rates = fx_store.rates_on(session, book, as_of, codes)
    return {cid: Foreign(per, rates.total(per, as_of)) for cid, per in amounts.items()}


def restate(facts: dict[int, dict[str, Any]], foreign: dict[int, Foreign]) -> None:
    """Put each customer's exposure (and utilisation) in the book currency: the foreign
    amounts, summed as owed by ledger/facts, replaced by their conversion."""
    for cid, found in foreign.items():
        fact = facts.get(cid)
        if fact is None:
            continue
        exposure = fact["customer.exposure"] - found.as_owed + found.converted.amount
        limit = fact["customer.credit_limit"]
        fact["customer.exposure"] = exposure
        fact["customer.utilization"] = float(exposure / limit) if limit else None
