"""The fact catalogue: every name a ``when:`` may use, its kind, and how values cross
into the rules engine.

Callers (ledger/) hand the engine flat dicts: ``"id"``, the receivable's facts by name and
the customer's as ``"customer.code"`` etc. Money is ``Decimal`` in currency units, days are
``int``, ratios ``float`` or ``Decimal``, ``None`` is null. durable_rules only takes JSON
types, so money crosses as integer cents and ratios as floats; the plain evaluator uses
the exact Decimal counterpart of the same value, so both see the same numbers.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from engine.errors import FactError

Kind = Literal["money", "int", "number", "str", "bool"]
Scope = Literal["receivable", "customer", "order"]
SCOPES: tuple[Scope, ...] = ("receivable", "customer", "order")

# Exact arithmetic for the plain side; the traps turn 1/0 into an exception we map to null.
DECIMAL = decimal.Context(prec=40, rounding=decimal.ROUND_HALF_EVEN,
                          traps=[decimal.InvalidOperation, decimal.DivisionByZero,
                                 decimal.Overflow])

CUSTOMER_FACTS: dict[str, Kind] = {
    "customer.code": "str",
    "customer.segment": "str",
    "customer.rating": "str",
    "customer.country": "str",
    "customer.credit_limit": "money",
    "customer.exposure": "money",
    "customer.utilization": "number",
    "customer.open_balance": "money",
    "customer.overdue_balance": "money",
    "customer.overdue_ratio": "number",
    "customer.max_days_overdue": "int",
    "customer.broken_promises_90d": "int",
}

RECEIVABLE_FACTS: dict[str, Kind] = {
    "amount": "money",
    "balance": "money",
    "currency": "str",
    "days_to_due": "int",
    "days_overdue": "int",
    "days_in_stage": "int",
    "stage": "str",
    "disputed": "bool",
    "promised": "bool",
    "reminders_sent": "int",
    **CUSTOMER_FACTS,
}

ORDER_FACTS: dict[str, Kind] = {
    "amount": "money",
    "currency": "str",
    "exposure_after": "money",
    **CUSTOMER_FACTS,
}

SCOPE_FACTS: dict[Scope, dict[str, Kind]] = {
    "receivable": RECEIVABLE_FACTS,
    "customer": CUSTOMER_FACTS,
    "order": ORDER_FACTS,
}

# Facts that are null in normal operation (everything else is null only if a caller omits it).
NULLABLE_FACTS: frozenset[str] = frozenset({"customer.credit_limit", "customer.utilization"})

FACT_MEANINGS: dict[str, str] = {
    "amount": "invoice amount (for an order check: the new order's amount)",
    "balance": "open balance of the receivable",
    "currency": "ISO currency code",
    "days_to_due": "due_date - as_of in days (negative once past due)",
    "days_overdue": "max(0, as_of - due_date) in days",
    "days_in_stage": "days since the receivable entered its current stage",
    "stage": "current stage: current, due_soon, overdue, escalated or legal",
    "disputed": "true while a dispute is open",
    "promised": "true while a promise-to-pay is open and not yet broken",
    "reminders_sent": "number of reminders already sent for the receivable",
    "exposure_after": "the customer's exposure plus the new order",
    "customer.code": "customer code from the customer file",
    "customer.segment": "customer segment from the customer file",
    "customer.rating": "credit rating (a key of credit.ratings)",
    "customer.country": "country code from the customer file",
    "customer.credit_limit": "credit limit (null when the customer has none)",
    "customer.exposure": "open receivables plus open orders",
    "customer.utilization": "exposure / credit_limit (null when there is no limit)",
    "customer.open_balance": "balance of all the customer's open receivables",
    "customer.overdue_balance": "balance of its open receivables past their due date",
    "customer.overdue_ratio": "overdue_balance / open_balance (0 when open_balance is 0)",
    "customer.max_days_overdue": "largest days_overdue among its open receivables (0 if none)",
    "customer.broken_promises_90d": "promises-to-pay broken in the last 90 days",
}

# Inputs of credit.scorecard, computed by ledger/ per customer.
SCORECARD_FACTORS: dict[str, str] = {
    "on_time_rate": "share of the last 12 months' invoices paid by their due date (0..1)",
    "avg_days_late": "mean days late of the last 12 months' paid invoices (0 when on time)",
    "years_as_customer": "years since the customer's first invoice",
    "overdue_ratio": "balance of open receivables past due / open balance (0 when none open)",
    "broken_promises_90d": "promises-to-pay broken in the last 90 days",
    "disputes_12m": "disputes opened on the customer's receivables in the last 365 days",
    "max_days_overdue": "largest days_overdue among its open receivables (0 if none)",
}

_MAX_JSON_INT = 2**62  # durable_rules parses integers as 64-bit


def json_key(name: str) -> str:
    """The key a fact has in the JSON sent to durable_rules (no dots: they mean nesting)."""
    return name.replace(".", "_")


def plain_number(value: float) -> Decimal:
    """The exact Decimal a float stands for in policy arithmetic: its shortest repr."""
    return Decimal(repr(value))


def money_cents(value: Decimal) -> tuple[Decimal, int | float]:
    """A money amount as (plain value, JSON cents) that compare identically."""
    cents = DECIMAL.multiply(value, 100)
    if cents == cents.to_integral_value():
        whole = int(cents)
        if abs(whole) >= _MAX_JSON_INT:
            raise FactError(f"money value {value} is too large")
        return value, whole
    as_float = float(cents)  # sub-cent amounts: both sides use the float's exact value
    return DECIMAL.divide(plain_number(as_float), 100), as_float


Converter = Callable[[Any], tuple[Any, Any]]


def _money(value: Any) -> tuple[Any, Any]:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise FactError(f"expected money as Decimal, got {type(value).__name__} {value!r}")
    value = Decimal(value)
    if not value.is_finite():
        raise FactError(f"money value {value} is not a finite number")
    return money_cents(value)


def _int(value: Any) -> tuple[Any, Any]:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FactError(f"expected a whole number, got {type(value).__name__} {value!r}")
    if abs(value) >= _MAX_JSON_INT:
        raise FactError(f"value {value} is too large")
    return value, value


def _number(value: Any) -> tuple[Any, Any]:
    if isinstance(value, bool) or not isinstance(value, float | int | Decimal):
        raise FactError(f"expected a number, got {type(value).__name__} {value!r}")
    as_float = float(value)
    if not math.isfinite(as_float):
        raise FactError(f"number {value!r} is not finite")
    return plain_number(as_float), as_float


def _str(value: Any) -> tuple[Any, Any]:
    if not isinstance(value, str):
        raise FactError(f"expected text, got {type(value).__name__} {value!r}")
    return value, value


def _bool(value: Any) -> tuple[Any, Any]:
    if not isinstance(value, bool):
        raise FactError(f"expected true/false, got {type(value).__name__} {value!r}")
    return value, value


CONVERTERS: dict[Kind, Converter] = {
    "money": _money, "int": _int, "number": _number, "str": _str, "bool": _bool,
}


def convert(name: str, kind: Kind, value: Any) -> tuple[Any, Any]:
    """(plain value, JSON value) of one fact; ``(None, None)`` for null."""
    if value is None:
        return None, None
    try:
        return CONVERTERS[kind](value)
    except FactError as error:
        raise FactError(f"fact {name!r}: {error}") from None
