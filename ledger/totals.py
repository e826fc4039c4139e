"""Portfolio totals: how much is open, per currency (the demo's summary)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, func, select, type_coerce

from ledger.facts import ACTIVE_STAGES
from ledger.models import Receivable
from ledger.money import Money


def open_totals(engine: Engine) -> tuple[int, dict[str, Decimal]]:
    """How many receivables are open (active, balance > 0) and their balance per currency.

    Per currency because CNY and USD do not add up without a rate; CNY and USD are always
    there (zero when nothing is open), so the keys are stable.
    """
    r = Receivable.__table__
    stmt = (select(r.c.currency, func.count(), type_coerce(func.sum(r.c.balance), Money()))
            .where(r.c.stage.in_(ACTIVE_STAGES), r.c.balance > 0)
            .group_by(r.c.currency).order_by(r.c.currency))
    with engine.connect() as connection:
        rows = connection.execute(stmt).all()
    totals = {"CNY": Decimal("0.00"), "USD": Decimal("0.00")}
    totals.update({currency: total for currency, _, total in rows})
    return sum(n for _, n, _ in rows), totals
