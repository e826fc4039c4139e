"""Payment delay distributions (days paid after the due date) for the cash forecast.

Learned from receivables settled in the LOOKBACK_DAYS before the as-of day, and only
those (a back-test must not see the future). A customer with fewer than MIN_HISTORY
settled receivables borrows its segment's distribution; a thin segment, the portfolio's.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from ledger.reports.history import C, day, days_between, dialect_of, settlements

MIN_HISTORY = 5
LOOKBACK_DAYS = 730


@dataclass
class Delays:
    """A distribution of whole-day delays, with counts answered by bisection."""

    values: list[int] = field(default_factory=list)  # sorted, one entry per receivable

    @classmethod
    def of(cls, counts: Counter[int]) -> Delays:
        return cls(sorted(counts.elements()))

    @property
    def total(self) -> int:
        return len(self.values)

    def count_above(self, days: int) -> int:
        return len(self.values) - bisect_right(self.values, days)

    def count_between(self, low: int, high: int) -> int:
        """Delays d with low <= d <= high."""
        return bisect_right(self.values, high) - bisect_left(self.values, low)


@dataclass
class History:
    customers: dict[int, Delays]
    segments: dict[str, Delays]
    portfolio: Delays

    def for_customer(self, customer_id: int, segment: str) -> tuple[Delays, str]:
        """The customer's own delays if there are enough, else its segment's, else all."""
        own = self.customers.get(customer_id)
        if own is not None and own.total >= MIN_HISTORY:
            return own, "customer"
        seg = self.segments.get(segment)
        if seg is not None and seg.total >= MIN_HISTORY:
            return seg, "segment"
        return self.portfolio, "portfolio"


def delay_history(session: Session, as_of: date, currency: str) -> History:
    """Delay counts grouped in SQL per (customer, segment, delay), then pooled up."""
    done = settlements()
    delay = days_between(dialect_of(session), done.c.due_date, done.c.settled_on)
    stmt = (
        select(done.c.customer_id, C.c.segment, delay.label("delay"), func.count())
        .select_from(done.join(C, C.c.id == done.c.customer_id))
        .where(
            done.c.settled_on <= day(as_of),
            done.c.settled_on > day(as_of - timedelta(days=LOOKBACK_DAYS)),
            done.c.currency == currency,
        )
        .group_by(done.c.customer_id, C.c.segment, delay)
    )
    by_customer: dict[int, Counter[int]] = {}
    by_segment: dict[str, Counter[int]] = {}
    everyone: Counter[int] = Counter()
    for customer_id, segment, days, n in session.execute(stmt):
        by_customer.setdefault(customer_id, Counter())[int(days)] += int(n)
        by_segment.setdefault(segment or "", Counter())[int(days)] += int(n)
        everyone[int(days)] += int(n)
    return History(
        {k: Delays.of(v) for k, v in by_customer.items()},
        {k: Delays.of(v) for k, v in by_segment.items()},
        Delays.of(everyone),
    )
