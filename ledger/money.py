"""Money columns that stay exact on SQLite and PostgreSQL alike.

SQLite keeps NUMERIC as a float, so money is stored as integer minor units (cents)
in a BIGINT and handed to Python as ``Decimal``. Sums in SQL stay exact on both.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")  # 1,234,567.89
MAX_CENTS = 2**63 - 1  # BIGINT


def to_cents(value: Decimal | int | str) -> int:
    """Exact conversion to integer cents; more than two decimals is an error, not a rounding."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    try:
        exact = amount == amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # too many digits to hold in cents
        raise ValueError(f"amount too large: {value}") from exc
    if not exact:
        raise ValueError(f"more than two decimals: {value}")
    cents = int(amount * 100)
    if abs(cents) > MAX_CENTS:
        raise ValueError(f"amount too large: {value}")
    return cents


def parse_money(text: str | Decimal | int, *, allow_zero: bool = True,
                allow_negative: bool = False) -> Decimal:
    """The one reading of an amount a person or a file typed: ``1,250.00`` (thousands
    separators allowed), at most two decimals, finite. Raises ``ValueError`` with a plain
    message (``not an amount: '12,34x'``, ``more than two decimals: 12.345``, ``negative
    amount: -5``, ``amount must be greater than zero``); each shell reports it its own way."""
    raw = str(text).strip()
    if "," in raw and not _GROUPED.fullmatch(raw):  # 12,50 is not 1250: refuse, never guess
        raise ValueError(f"not an amount: {raw!r} (a comma may only separate thousands, as "
                         "in 1,234.56; the decimal separator is a point)")
    plain = raw.replace(",", "")
    try:
        amount = Decimal(plain)
    except (InvalidOperation, ValueError):
        raise ValueError(f"not an amount: {raw!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {raw!r}")
    if amount < 0 and not allow_negative:
        raise ValueError(f"negative amount: {raw}")
    if amount == 0 and not allow_zero:
        raise ValueError("amount must be greater than zero")
    to_cents(plain)  # more than two decimals, too large: its own message
    return amount


def from_cents(cents: int | None) -> Decimal | None:
    if cents is None:
        return None
    return Decimal(int(cents)).scaleb(-2)  # exact, and twice as fast as divide+quantize


class Money(TypeDecorator[Decimal]):
    """A Decimal amount stored as BIGINT cents."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        return to_cents(value)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return from_cents(value)


class Fixed4(TypeDecorator[Decimal]):
    """A ratio (0.3, 0.1250) stored exactly as BIGINT ten-thousandths."""

    impl = BigInteger
    cache_ok = True
    places = 4

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value).scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"more than {self.places} decimals: {value}")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(int(value)).scaleb(-self.places)


class Fixed6(Fixed4):
    """An exchange rate (7.123456 CNY per USD, 0.048712 per JPY) as BIGINT millionths."""

    cache_ok = True
    places = 6
