"""Cash forecast: expected collections per week, with a 10–90 % range, and its back-test.

Method (see docs/analytics.md): each open receivable is expected to be paid at its due
date plus a delay drawn from its customer's history of delays (days paid after due, of
receivables settled before the as-of day, see delays); a customer with too little history
uses its segment's delays, and a thin segment the portfolio's. An item already past due
uses the delays beyond its present lateness (the conditional distribution). The expected
weekly amount is the sum of balance x P(paid in that week); the 10–90 % range is the
normal approximation: mean -/+ 1.2816 standard deviations, where each (customer, due
date) group is paid in a week or not (variance balance^2 x p x (1 - p)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlmodel import Session

from ledger.money import CENT, from_cents
from ledger.reports.balances import grouped_balances
from ledger.reports.delays import Delays, delay_history
from ledger.reports.history import (
    A,
    C,
    P,
    R,
    cents,
    day,
    days_between,
    dialect_of,
    outstanding,
)

ZERO = Decimal("0.00")
RATE = Decimal("0.0001")
Z90 = Decimal("1.2816")  # the standard normal 90th percentile


@dataclass
class ForecastWeek:
    week_start: date  # the day after the as-of day, then every seven days
    expected: Decimal
    p10: Decimal
    p90: Decimal
    actual: Decimal | None = None  # filled by the back-test

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class Forecast:
    as_of: date
    currency: str
    weeks: list[ForecastWeek] = field(default_factory=list)
    beyond: Decimal = ZERO  # expected after the last week
    open_balance: Decimal = ZERO
    sources: dict[str, int] = field(default_factory=dict)  # customer | segment | portfolio

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "currency": self.currency,
            "weeks": [w.as_dict() for w in self.weeks],
            "beyond": self.beyond,
            "open_balance": self.open_balance,
            "sources": dict(self.sources),
        }


@dataclass
class Backtest:
    as_of: date
    made_on: date  # as_of - weeks x 7: the forecast uses only what was known then
    forecast: Forecast
    total_expected: Decimal = ZERO
    total_actual: Decimal = ZERO
    mape: Decimal | None = None  # mean absolute percentage error over weeks with actuals
    wape: Decimal | None = None  # sum of absolute errors / sum of actuals
    in_range: int = 0  # weeks whose actual fell inside [p10, p90]

    @property
    def weeks(self) -> list[ForecastWeek]:
        return self.forecast.weeks

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "made_on": self.made_on,
            "forecast": self.forecast.as_dict(),
            "total_expected": self.total_expected,
            "total_actual": self.total_actual,
            "mape": self.mape,
            "wape": self.wape,
            "in_range": self.in_range,
        }


def open_groups(session: Session, as_of: date, currency: str) -> list[tuple[int, str, date, int]]:
    """Open balance on ``as_of`` per (customer, due date): (customer id, segment, due, cents).

    A customer tends to pay the invoices due on one day together, so a group is the unit
    that is paid or not (which is what makes the range honest). Summed set-wise (see
    balances); segments are mapped from the customer ids afterwards."""
    # due date first: see overview.top_overdue_customers on SQLite's choice of index
    sums = grouped_balances(session, as_of, [R.c.due_date, R.c.customer_id], currency)
    segments = dict(session.execute(select(C.c.id, C.c.segment)).all())
    return [
        (cid, segments.get(cid) or "", due, amount)
        for (due, cid), (amount, _) in sorted(sums.items())
        if amount > 0
    ]


def forecast(session: Session, as_of: date, weeks: int = 13, currency: str = "CNY") -> Forecast:
    """Expected collections per week after ``as_of`` of the receivables open on it."""
    history = delay_history(session, as_of, currency)
    result = Forecast(as_of, currency)
    expected = [Decimal(0)] * weeks
    variance = [Decimal(0)] * weeks
    beyond = Decimal(0)
    for customer_id, segment, due, balance_cents in open_groups(session, as_of, currency):
        delays, source = history.for_customer(customer_id, segment)
        result.sources[source] = result.sources.get(source, 0) + 1
        balance = from_cents(balance_cents) or Decimal(0)
        result.open_balance += balance
        shares = week_shares(delays, (as_of - due).days, weeks)
        for i, p in enumerate(shares):
            expected[i] += balance * p
            variance[i] += balance * balance * p * (1 - p)
        beyond += balance * (1 - sum(shares, Decimal(0)))
    for i in range(weeks):
        mean = expected[i].quantize(CENT, ROUND_HALF_UP)
        spread = (Z90 * variance[i].sqrt()).quantize(CENT, ROUND_HALF_UP)
        start = as_of + timedelta(days=1 + 7 * i)
        result.weeks.append(ForecastWeek(start, mean, max(ZERO, mean - spread), mean + spread))
    result.beyond = beyond.quantize(CENT, ROUND_HALF_UP)
    return result


def week_shares(delays: Delays, days_overdue: int, weeks: int) -> list[Decimal]:
    """P(paid in week i | not paid by the as-of day) for an item ``days_overdue`` past due
    (negative: not yet due): the delay distribution beyond ``days_overdue``, cut in weeks."""
    if delays.total == 0:  # no history anywhere: expect payment on the due date
        pay_day = max(0, -days_overdue)  # days after the as-of day, 0 = overdue already
        week = max(0, (pay_day - 1) // 7)
        return [Decimal(1) if i == week else Decimal(0) for i in range(weeks)]
    later = delays.count_above(days_overdue)
    if later == 0:  # later than every payment in its history: not expected in the horizon
        return [Decimal(0)] * weeks
    shares = []
    for i in range(weeks):
        low, high = days_overdue + 1 + 7 * i, days_overdue + 7 + 7 * i
        in_week = delays.count_between(low, high)
        shares.append(Decimal(in_week) / Decimal(later))
    return shares


def actual_collections(session: Session, made_on: date, weeks: int, currency: str) -> list[Decimal]:
    """Cash applied per week after ``made_on`` to the receivables open on ``made_on``."""
    open_ = outstanding(session, made_on, currency)
    days = days_between(dialect_of(session), day(made_on), P.c.date)
    week = cast((days - 1) // 7, Integer).label("week")  # whole weeks on both databases
    stmt = (
        select(week, func.sum(cents(A.c.amount)))
        .select_from(
            A.join(P, P.c.id == A.c.payment_id).join(open_, open_.c.id == A.c.receivable_id)
        )
        .where(P.c.date > day(made_on), P.c.date <= day(made_on + timedelta(days=7 * weeks)))
        .group_by(week)
    )
    totals = [Decimal("0.00")] * weeks
    for index, amount in session.execute(stmt):
        totals[int(index)] = from_cents(int(amount)) or ZERO
    return totals


def backtest(session: Session, as_of: date, weeks: int = 13, currency: str = "CNY") -> Backtest:
    """The forecast made ``weeks`` weeks before ``as_of`` from what was known then, with
    the cash actually collected on those receivables in each week."""
    made_on = as_of - timedelta(days=7 * weeks)
    made = forecast(session, made_on, weeks, currency)
    actual = actual_collections(session, made_on, weeks, currency)
    result = Backtest(as_of, made_on, made)
    errors: list[Decimal] = []
    for week, amount in zip(made.weeks, actual, strict=True):
        week.actual = amount
        result.total_expected += week.expected
        result.total_actual += amount
        result.in_range += int(week.p10 <= amount <= week.p90)
        if amount > 0:
            errors.append(abs(week.expected - amount) / amount)
    if errors:
        result.mape = (sum(errors, Decimal(0)) / len(errors)).quantize(RATE, ROUND_HALF_UP)
    if result.total_actual > 0:
        absolute = sum((abs(w.expected - (w.actual or 0)) for w in made.weeks), Decimal(0))
        result.wape = (absolute / result.total_actual).quantize(RATE, ROUND_HALF_UP)
    return result
