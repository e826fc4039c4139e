"""The credit scorecard: factor values -> points -> weighted score -> rating -> terms.

Pure arithmetic on a loaded CreditPolicy; ledger/ computes the factor values per customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from engine.policy import CreditPolicy, CreditTerms, ScoreFactor

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Score:
    """A customer's score (0..100, two decimals), its rating and terms, and why."""

    score: Decimal
    rating: str
    terms: CreditTerms
    points: dict[str, Decimal]  # factor -> points it earned


def factor_points(factor: ScoreFactor, value: Decimal | float | int | None) -> Decimal:
    """Points of the first row that applies: value >= threshold (better: higher) or
    value <= threshold (better: lower). No value, or no row applies: 0 points."""
    if value is None:
        return Decimal(0)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    for threshold, points in factor.points:
        if (number >= threshold) if factor.better == "higher" else (number <= threshold):
            return points
    return Decimal(0)


def score(credit: CreditPolicy, values: Mapping[str, Decimal | float | int | None]) -> Score:
    """Score a customer from its factor values (missing factors earn 0 points)."""
    points = {factor.factor: factor_points(factor, values.get(factor.factor))
              for factor in credit.scorecard}
    total_weight = sum((factor.weight for factor in credit.scorecard), Decimal(0))
    weighted = sum((factor.weight * points[factor.factor] for factor in credit.scorecard),
                   Decimal(0))
    result = (weighted / total_weight).quantize(_CENT, rounding=ROUND_HALF_UP)
    rating = next(name for name, lowest in credit.ratings.items() if result >= lowest)
    return Score(result, rating, credit.terms[rating], points)
