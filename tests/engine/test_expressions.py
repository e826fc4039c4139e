"""The condition language: what parses, and what it means (null, not, units)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine import ExpressionError, parse_expression
from engine.expressions import Always, Compare, Const, FactRef

BASE: dict[str, Any] = {
    "amount": Decimal("1000.00"), "balance": Decimal("250.50"), "currency": "EUR",
    "days_to_due": -10, "days_overdue": 10, "days_in_stage": 3, "stage": "overdue",
    "disputed": False, "promised": True, "reminders_sent": 1,
    "customer.code": "C1", "customer.segment": "retail", "customer.rating": "B",
    "customer.country": "DE", "customer.credit_limit": None,
    "customer.exposure": Decimal("5000"), "customer.utilization": None,
    "customer.open_balance": Decimal("4000"), "customer.overdue_balance": Decimal("1000"),
    "customer.overdue_ratio": 0.25, "customer.max_days_overdue": 10,
    "customer.broken_promises_90d": 0,
}


def holds(source: str, scope: str = "receivable", **changes: Any) -> bool:
    facts = dict(BASE)
    facts.update({key.replace("__", "."): value for key, value in changes.items()})
    return parse_expression(source, scope).evaluate(facts)  # type: ignore[arg-type]


@pytest.mark.parametrize(("source", "expected"), [
    ("days_overdue >= 10", True),
    ("days_overdue > 10", False),
    ("0 < days_overdue < 11", True),
    ("0 < days_overdue < 10", False),
    ("balance > 250.49 and balance < 250.51", True),
    ("balance == 250.5", True),
    ("balance > 10 * 25", True),
    ("balance > amount / 4", True),
    ("balance * 4 > amount", True),
    ("amount - balance == 749.5", True),
    ("-balance < 0", True),
    ("currency == 'EUR'", True),
    ('currency != "EUR"', False),
    ("currency in ['USD', 'EUR']", True),
    ("currency not in ['USD', 'EUR']", False),
    ("stage in ('overdue',)", True),
    ("customer.rating in ['A', 'B'] and not disputed", True),
    ("promised", True),
    ("promised == true and disputed == False", True),
    ("not (days_overdue > 5 or promised)", False),
    ("not not promised", True),
    ("customer.overdue_ratio > 0.2", True),
    ("customer.overdue_ratio == 0.25", True),
    ("customer.overdue_balance / customer.open_balance == customer.overdue_ratio", True),
    ("days_overdue in [1, 10, 20]", True),
    ("true", True),
    ("False or days_overdue == 10", True),
    ("null == null", True),
    ("1 < 2", True),
])
def test_meaning(source: str, expected: bool) -> None:
    assert holds(source) is expected


@pytest.mark.parametrize("source", [
    "customer.utilization > 0.5",
    "customer.utilization <= 0.5",
    "customer.utilization == 0.5",
    "customer.utilization != 0.5",
    "not customer.utilization > 0.5",
    "not customer.utilization <= 0.5",
    "not (customer.utilization > 0.5 and days_overdue > 0)",
    "customer.utilization in [0.5, 1]",
    "customer.utilization not in [0.5, 1]",
    "not customer.utilization in [0.5, 1]",
    "customer.utilization * 2 > 1",
    "customer.utilization > customer.overdue_ratio",
    "balance > customer.credit_limit",
    "not balance > customer.credit_limit",
])
def test_any_comparison_with_null_is_false(source: str) -> None:
    assert holds(source) is False


def test_presence_tests() -> None:
    assert holds("customer.utilization == null")
    assert not holds("customer.utilization != null")
    assert holds("not customer.utilization == null", customer__utilization=0.1)
    assert holds("customer.credit_limit != null or balance > 0")
    assert holds("customer.utilization * 2 == null")
    assert holds("currency not in []")
    assert not holds("currency not in []", currency=None)
    assert not holds("currency in []")


def test_null_in_boolean_facts() -> None:
    assert not holds("disputed", disputed=None)
    assert not holds("not disputed", disputed=None)


def test_division_by_zero_is_false_both_ways() -> None:
    assert not holds("balance / customer.open_balance > 0", customer__open_balance=Decimal(0))
    assert not holds("not balance / customer.open_balance > 0",
                     customer__open_balance=Decimal(0))
    assert holds("balance / customer.open_balance == null", customer__open_balance=Decimal(0))


def test_floats_compare_as_written() -> None:
    assert holds("customer.overdue_ratio >= 0.7", customer__overdue_ratio=0.7)
    assert holds("customer.overdue_ratio == 0.1 + 0.2", customer__overdue_ratio=0.3)
    assert holds("customer.overdue_ratio > 1 / 3", customer__overdue_ratio=0.34)


def test_constants_fold_and_sides_normalise() -> None:
    condition = parse_expression("10 * 1000 < balance", "receivable").condition
    assert condition == Compare(">", FactRef("balance", "money"), Const(Decimal(10000)))
    assert parse_expression("1 < 2 and 3 > 4", "receivable").condition == Always(False)


def test_facts_used() -> None:
    expression = parse_expression("balance > customer.credit_limit or disputed", "receivable")
    assert expression.facts == {"balance", "customer.credit_limit", "disputed"}
    assert str(expression) == "balance > customer.credit_limit or disputed"


def test_multiline_condition() -> None:
    assert holds("days_overdue >= 10\n  and balance > 1")


@pytest.mark.parametrize(("scope", "source"), [
    ("customer", "customer.max_days_overdue > 5"),
    ("order", "exposure_after > customer.credit_limit"),
    ("order", "amount > 100 and currency == 'EUR'"),
])
def test_scopes(scope: str, source: str) -> None:
    parse_expression(source, scope)  # type: ignore[arg-type]


@pytest.mark.parametrize("source", ["", "   ", "days_overdue >", "import os",
                                    "__import__('os')", "balance.real > 1",
                                    "().__class__ == 1", "x" * 3000])
def test_rejected(source: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(source, "receivable")
