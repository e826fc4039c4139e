"""Fact dicts for tests: a complete receivable with overridable values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine import CUSTOMER_FACTS, RECEIVABLE_FACTS


def receivable(fact_id: Any, **changes: Any) -> dict[str, Any]:
    """A receivable fact dict (flat, as ledger/ builds them); ``customer__x`` sets customer.x."""
    fact: dict[str, Any] = {
        "id": fact_id, "amount": Decimal("1200.00"), "balance": Decimal("1200.00"),
        "currency": "EUR", "days_to_due": 20, "days_overdue": 0, "days_in_stage": 0,
        "stage": "current", "disputed": False, "promised": False, "reminders_sent": 0,
        "customer.code": "C001", "customer.segment": "retail", "customer.rating": "B",
        "customer.country": "DE", "customer.credit_limit": Decimal("50000"),
        "customer.exposure": Decimal("20000"), "customer.utilization": 0.4,
        "customer.open_balance": Decimal("20000"), "customer.overdue_balance": Decimal("0"),
        "customer.overdue_ratio": 0.0, "customer.max_days_overdue": 0,
        "customer.broken_promises_90d": 0,
    }
    assert set(fact) - {"id"} == set(RECEIVABLE_FACTS)
    for key, value in changes.items():
        fact[key.replace("__", ".")] = value
    return fact


def customer(fact_id: Any, **changes: Any) -> dict[str, Any]:
    base = receivable(fact_id, **changes)
    return {"id": fact_id, **{name: base[name] for name in CUSTOMER_FACTS}}
