"""Totals of several currencies stated in the book currency, for the reports and the
dashboard: the figures stay per currency, and beside them one converted total at the
rates in force on the as-of day (engine/fx). A currency without a rate is left out of the
total and named in ``unconverted``: a report or a page never fails for a missing rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from engine.fx import Converted
from ledger import fx_store


def converted_total(session: Session, amounts: Mapping[str, Decimal], book: str,
                    as_of: date) -> Converted:
    """``amounts`` (currency -> amount) summed in ``book`` at the rates of ``as_of``."""
    rates = fx_store.rates_on(session, book, as_of, amounts)
    return rates.total(amounts, as_of)


def converted_dict(total: Converted) -> dict[str, object]:
    """The JSON of a converted total: ``{amount, currency, converted_at?, rates?,
    unconverted?, note}``."""
    return {"amount": total.amount, **total.as_dict()}
