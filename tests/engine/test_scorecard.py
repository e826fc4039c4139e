"""The scorecard as POLICY.md describes it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from engine import load_policy
from engine.scorecard import score

CREDIT = load_policy(Path(__file__).resolve().parents[2] / "rules").credit


def test_best_customer_gets_a() -> None:
    assert CREDIT is not None
    result = score(CREDIT, {"on_time_rate": 0.97, "avg_days_late": 0, "years_as_customer": 6})
    assert result.score == 100 and result.rating == "A"
    assert result.terms.credit_limit == 500000


def test_rows_and_weights() -> None:
    assert CREDIT is not None
    result = score(CREDIT, {"on_time_rate": Decimal("0.8"), "avg_days_late": 12,
                            "years_as_customer": 1})
    # 70 (>= 0.8), 30 (12 <= 30), 20 (>= 0): (40*70 + 30*30 + 30*20) / 100
    assert result.points == {"on_time_rate": 70, "avg_days_late": 30, "years_as_customer": 20}
    assert result.score == Decimal("43.00") and result.rating == "D"
    assert result.terms.prepayment_ratio == Decimal("0.3")


def test_missing_values_earn_nothing() -> None:
    assert CREDIT is not None
    result = score(CREDIT, {})
    assert result.score == 0 and result.rating == "E"
