"""The exchange rates kept in ``fx_rate``: written a batch at a time, read as
:class:`engine.fx.Rates` for the figures of a day.

One row per currency and day (uq_fx_rate_day): importing the same day and currency again
updates its rate, so a corrected rates file is simply imported again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, tuple_
from sqlmodel import Session

from engine.fx import Rate, Rates
from ledger.bulk import chunks
from ledger.models import FxRate


@dataclass(frozen=True)
class Stored:
    """What a batch did: rows added, rates changed, rows already as given."""

    added: int
    updated: int
    unchanged: int


def upsert(session: Session, rates: Sequence[Rate], source: str) -> Stored:
    """Write ``rates`` (each date+currency once): new days added, known days updated."""
    known: dict[tuple[date, str], FxRate] = {}
    keys = sorted({(r.on_date, r.currency) for r in rates})
    for part in chunks(keys, 400):
        stmt = select(FxRate).where(tuple_(FxRate.on_date, FxRate.currency).in_(part))
        for row in session.scalars(stmt):
            known[(row.on_date, row.currency)] = row
    added = updated = 0
    for rate in rates:
        row = known.get((rate.on_date, rate.currency))
        if row is None:
            session.add(FxRate(on_date=rate.on_date, currency=rate.currency, rate=rate.rate,
                               source=source[:64]))
            added += 1
        elif row.rate != rate.rate:
            row.rate, row.source = rate.rate, source[:64]
            session.add(row)
            updated += 1
    session.flush()
    return Stored(added, updated, len(rates) - added - updated)


def listing(session: Session, currency: str | None = None) -> list[Rate]:
    """Every stored rate (of one currency), by currency then day."""
    stmt = select(FxRate.on_date, FxRate.currency, FxRate.rate).order_by(
        FxRate.currency, FxRate.on_date)
    if currency:
        stmt = stmt.where(FxRate.currency == currency)
    return [Rate(row.on_date, row.currency, row.rate) for row in session.execute(stmt)]


def rates_on(session: Session, book: str, on: date,
             currencies: Iterable[str] | None = None) -> Rates:
    """The rates in force on ``on``: per currency its latest rate on or before that day
    (of ``currencies`` only, when given) — all a figure of that day needs."""
    wanted = None if currencies is None else sorted(set(currencies) - {book})
    if wanted == []:
        return Rates(book)
    latest = select(FxRate.currency, func.max(FxRate.on_date).label("on_date")).where(
        FxRate.on_date <= on)
    if wanted is not None:
        latest = latest.where(FxRate.currency.in_(wanted))
    sub = latest.group_by(FxRate.currency).subquery()
    stmt = select(FxRate.on_date, FxRate.currency, FxRate.rate).join(
        sub, (sub.c.currency == FxRate.currency) & (sub.c.on_date == FxRate.on_date))
    return Rates(book, [Rate(r.on_date, r.currency, r.rate) for r in session.execute(stmt)])
