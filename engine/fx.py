"""Exchange rates and the book currency: how money in one currency is stated in another.

A credit limit, an exposure and a dashboard total are one figure in the book currency
(settings ``book_currency``); a USD order or invoice only joins it converted at the rate
of the day — the latest rate on or before that day. A rate is how many units of the book
currency one unit of the currency was worth (``USD 7.10``: one dollar, 7.10 yuan). The
book currency converts at 1. A missing rate is never taken for 1: :class:`MissingRate`
names the currency and the day, and figures that must not fail (a page, a report, the
cycle) say what they could not convert instead (:class:`Converted.unconverted`).

Pure: built from rows the ledger read, no database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from engine.currency import UnknownCurrency, normalize_currency

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.000001")  # fx_rate.rate keeps 6 decimals


class MissingRate(LookupError):
    """No rate for ``currency`` on or before ``on``: the amount cannot be stated in the
    book currency."""

    def __init__(self, currency: str, on: date) -> None:
        self.currency = currency
        self.on = on
        super().__init__(f"no {currency} rate on or before {on.isoformat()}: import rates "
                         "with `arflow rates import`")


class BadRate(ValueError):
    """A rate row that cannot be stored; ``where`` is ``FILE:ROW`` or ``items[i]``."""

    def __init__(self, where: str, message: str, field: str) -> None:
        self.where = where
        self.field = field
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Rate:
    on_date: date
    currency: str
    rate: Decimal  # units of the book currency per 1 unit of ``currency``

    def note(self) -> str:
        """``USD at 7.10 on 2026-11-30`` (the rate without trailing zeros past the cent)."""
        return f"{self.currency} at {_plain(self.rate)} on {self.on_date.isoformat()}"


@dataclass(frozen=True)
class Converted:
    """A sum of money in several currencies, stated in the book currency.

    ``amount`` holds what could be converted; ``unconverted`` the amounts of currencies
    with no rate (left out of ``amount``, never added 1:1); ``rates`` the rate used for
    each currency other than the book's."""

    currency: str
    amount: Decimal
    on: date
    rates: dict[str, Rate] = field(default_factory=dict)
    unconverted: dict[str, Decimal] = field(default_factory=dict)

    @property
    def converted(self) -> bool:
        return bool(self.rates)

    def note(self) -> str:
        """``CNY (USD converted at 7.10 on 2026-11-30)``; the bare currency when nothing
        was converted; what had no rate is named too."""
        parts = [f"{code} converted at {_plain(r.rate)} on {r.on_date.isoformat()}"
                 for code, r in sorted(self.rates.items())]
        parts += [f"{code} {amount:,.2f} not converted: no rate"
                  for code, amount in sorted(self.unconverted.items())]
        return f"{self.currency} ({'; '.join(parts)})" if parts else self.currency

    def as_dict(self) -> dict[str, Any]:
        """The JSON beside a converted figure: ``currency``, ``converted_at`` (the day of
        the figure, when anything was converted), ``rates`` and ``unconverted``."""
        out: dict[str, Any] = {"currency": self.currency}
        if self.rates:
            out["converted_at"] = self.on.isoformat()
            out["rates"] = {code: {"rate": r.rate, "on": r.on_date.isoformat()}
                            for code, r in sorted(self.rates.items())}
        if self.unconverted:
            out["unconverted"] = dict(sorted(self.unconverted.items()))
        out["note"] = self.note()
        return out


class Rates:
    """The rates known, by currency, for converting into ``book``."""

    def __init__(self, book: str, rows: Iterable[Rate] = ()) -> None:
        self.book = book
        by_currency: dict[str, list[Rate]] = {}
        for row in rows:
            by_currency.setdefault(row.currency, []).append(row)
        self._rows = {code: sorted(found, key=lambda r: r.on_date)
                      for code, found in by_currency.items()}

    def rate(self, currency: str, on: date) -> Rate:
        """The latest rate of ``currency`` on or before ``on`` (1 for the book currency)."""
        if currency == self.book:
            return Rate(on, currency, Decimal(1))
        best: Rate | None = None
        for row in self._rows.get(currency, ()):
            if row.on_date > on:
                break
            best = row
        if best is None:
            raise MissingRate(currency, on)
        return best

    def convert(self, amount: Decimal, currency: str, on: date) -> Decimal:
        """``amount`` of ``currency`` in the book currency, half-up to the cent."""
        if currency == self.book:
            return amount
        return (amount * self.rate(currency, on).rate).quantize(CENT, rounding=ROUND_HALF_UP)

    def total(self, amounts: Mapping[str, Decimal], on: date) -> Converted:
        """The sum of per-currency amounts in the book currency: each currency's amount is
        converted once (then summed), and a currency without a rate is reported apart."""
        total = Decimal("0.00")
        used: dict[str, Rate] = {}
        missing: dict[str, Decimal] = {}
        for code, amount in amounts.items():
            if code == self.book:
                total += amount
                continue
            try:
                used[code] = self.rate(code, on)
            except MissingRate:
                missing[code] = missing.get(code, Decimal("0.00")) + amount
                continue
            total += self.convert(amount, code, on)
        return Converted(self.book, total, on, used, missing)


def _plain(rate: Decimal) -> str:
    """7.100000 -> ``7.10``, 0.914567 -> ``0.914567``: at least two decimals."""
    text = f"{rate.normalize():f}"
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def parse_rate(where: str, day: Any, currency: Any, rate: Any, book: str) -> Rate:
    """One rate row as written (a file's or a request's): an ISO day, a currency read
    through :func:`normalize_currency`, a rate above 0 with at most 6 decimals. The book
    currency is refused: it converts at 1. BadRate names ``where`` and the value."""
    if isinstance(day, date):
        on = day
    else:
        try:
            on = date.fromisoformat(str(day or "").strip())
        except ValueError:
            raise BadRate(where, f"date: not a date (YYYY-MM-DD): {day!r}", "date") from None
    try:
        code = normalize_currency(str(currency or ""))
    except UnknownCurrency as exc:
        raise BadRate(where, f"currency: {exc}", "currency") from None
    if code == book:
        raise BadRate(where, f"currency: {code} is the book currency (it converts at 1)",
                      "currency")
    text = str(rate if rate is not None else "").strip()
    if "," in text:  # 7,1234 is 7.1234 in half the world: never guess
        raise BadRate(where, f"rate: write it with a decimal point and no comma, got {rate!r}",
                      "rate")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadRate(where, f"rate: not a number: {rate!r}", "rate") from None
    if not value.is_finite() or value <= 0:
        raise BadRate(where, f"rate: must be a number above 0, got {rate!r}", "rate")
    if value != value.quantize(RATE_PLACES, rounding=ROUND_HALF_UP) or value >= 10**12:
        raise BadRate(where, f"rate: at most 6 decimals and below 10^12, got {rate!r}", "rate")
    return Rate(on, code, value.quantize(RATE_PLACES))


def check_unique(rates: Iterable[tuple[str, Rate]]) -> list[Rate]:
    """The rates, each date+currency once: a second row for the same day is BadRate
    (which of the two was meant cannot be told)."""
    seen: dict[tuple[date, str], str] = {}
    out: list[Rate] = []
    for where, rate in rates:
        key = (rate.on_date, rate.currency)
        if key in seen:
            raise BadRate(where, f"{rate.currency} on {rate.on_date} is also at {seen[key]}",
                          "date")
        seen[key] = where
        out.append(rate)
    return out
