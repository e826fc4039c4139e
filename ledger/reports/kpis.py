"""Receivables KPIs for a period [start, end], each by its textbook definition.

See docs/analytics.md for every formula and its source. In short (days = the period's
calendar days, end - start + 1; AR = receivables outstanding, see history):

- DSO, simple (period-end method): AR at end / credit sales of the period x days.
- DSO, countback (exhaustion method): walk back month by month from the end, taking each
  month's credit sales out of AR at end; full months count all their days, the month
  that exhausts AR counts remainder / that month's sales x its days.
- Best Possible DSO: current (not yet due) AR at end / credit sales x days.
- Average Days Delinquent (ADD): DSO (simple) - Best Possible DSO.
- CEI: (AR at start + credit sales - AR at end - written off) / (AR at start + credit
  sales - current AR at end) x 100. AR at start = AR at the close of the day before start.
  A write-off takes a balance out of AR without collecting it, so it is taken out of the
  numerator (what was collected) and stays in the denominator (what was collectable).
- Overdue ratio: overdue AR at end / AR at end (0..1).
- On-time payment rate: of receivables settled in the period, the share (by count)
  settled on or before their due date (0..1).
- Average days to pay: mean over receivables settled in the period of settled date -
  issue date (by count).
- Written off: the amounts of the write-offs approved in the period (a partial write-off
  its part), with their count. A written-off balance is gone from AR from the day of the
  approval (DSO, ageing, overdue ratio), is not a payment (on-time rate, days to pay) and
  is not collected (CEI).

Every figure is computed per currency (default CNY): currencies do not add up.
``customers`` (a CustomerSet, e.g. one arm of a champion/challenger policy) limits every
figure to those customers' receivables, write-offs and settlements.
A figure whose denominator is zero is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlmodel import Session

from ledger.money import from_cents
from ledger.reports import periods
from ledger.reports.customer_set import CustomerSet
from ledger.reports.figures import (
    credit_sales,
    monthly_sales,
    receivables_at,
    settled_by_month,
    settled_in,
    snapshot,
    written_off_by_month,
    written_off_in,
)

ZERO = Decimal("0.00")
DAYS = Decimal("0.01")  # days are shown to two decimals
RATIO = Decimal("0.0001")


@dataclass
class Kpis:
    start: date
    end: date
    currency: str
    days: int
    # inputs
    beginning_receivables: Decimal
    receivables_end: Decimal
    current_receivables: Decimal  # not yet due at end
    overdue_receivables: Decimal  # past due at end
    credit_sales: Decimal
    settled_count: int
    settled_on_time: int
    written_off_count: int  # approved write-offs in the period
    # figures
    dso_simple: Decimal | None
    dso_countback: Decimal | None
    best_possible_dso: Decimal | None
    add: Decimal | None
    cei: Decimal | None  # percent, 0..100
    overdue_ratio: Decimal | None  # 0..1
    on_time_rate: Decimal | None  # 0..1
    avg_days_to_pay: Decimal | None
    written_off: Decimal  # amount written off in the period

    def as_dict(self) -> dict[str, Any]:
        # ``write_offs``: the amount's name before write-offs had their own table, kept
        # for scripts that read it
        return {**vars(self), "write_offs": self.written_off}


def ratio(num: Decimal | int, den: Decimal | int, quantum: Decimal = RATIO) -> Decimal | None:
    if not den:
        return None
    return (Decimal(num) / Decimal(den)).quantize(quantum, rounding=ROUND_HALF_UP)


def countback(ar_cents: int, months: list[tuple[int, int]]) -> Decimal | None:
    """Countback DSO from AR at end and (days, sales cents) per month, newest first."""
    if ar_cents <= 0:
        return Decimal("0.00") if months else None
    remaining, days = Decimal(ar_cents), Decimal(0)
    for month_days, sales in months:
        if sales <= 0:
            days += month_days
            continue
        if remaining <= sales:
            days += remaining / Decimal(sales) * month_days
            return days.quantize(DAYS, rounding=ROUND_HALF_UP)
        remaining -= sales
        days += month_days
    return days.quantize(DAYS, rounding=ROUND_HALF_UP)  # AR older than the look-back


def kpis(session: Session, start: date, end: date, currency: str = "CNY",
         customers: CustomerSet | None = None) -> Kpis:
    """The KPIs of [start, end] in one currency (see the module docstring)."""
    if end < start:
        raise ValueError("the period ends before it starts")
    total_end, current_end = snapshot(session, end, currency, customers)
    beginning = receivables_at(session, start - timedelta(days=1), currency, customers)
    windows = periods.countback_windows(end, periods.COUNTBACK_MONTHS)
    by_month = monthly_sales(session, windows[-1][0], end, currency, customers)
    sales = credit_sales(session, start, end, currency, customers)
    months = [
        ((last - first).days + 1, by_month.get(periods.month_key(first), 0))
        for first, last in windows
    ]
    settled = settled_in(session, start, end, currency, customers)
    written_count, written = written_off_in(session, start, end, currency, customers)
    days = (end - start).days + 1
    return build(
        start,
        end,
        currency,
        days,
        beginning,
        total_end,
        current_end,
        sales,
        months,
        settled,
        written_count,
        written,
    )


def build(
    start: date,
    end: date,
    currency: str,
    days: int,
    beginning: int,
    total_end: int,
    current_end: int,
    sales: int,
    months: list[tuple[int, int]],
    settled: tuple[int, int, int],
    written_count: int,
    written: int,
) -> Kpis:
    """The figures from their inputs (cents): pure arithmetic, testable on paper."""
    count, on_time, days_sum = settled
    dso = ratio(total_end * days, sales, DAYS)
    bpdso = ratio(current_end * days, sales, DAYS)
    collectable = beginning + sales - current_end
    return Kpis(
        start=start,
        end=end,
        currency=currency,
        days=days,
        beginning_receivables=from_cents(beginning) or ZERO,
        receivables_end=from_cents(total_end) or ZERO,
        current_receivables=from_cents(current_end) or ZERO,
        overdue_receivables=from_cents(total_end - current_end) or ZERO,
        credit_sales=from_cents(sales) or ZERO,
        settled_count=count,
        settled_on_time=on_time,
        written_off_count=written_count,
        dso_simple=dso,
        dso_countback=countback(total_end, months),
        best_possible_dso=bpdso,
        add=None if dso is None or bpdso is None else dso - bpdso,
        cei=ratio((beginning + sales - total_end - written) * 100, collectable, DAYS),
        overdue_ratio=ratio(total_end - current_end, total_end),
        on_time_rate=ratio(on_time, count),
        avg_days_to_pay=ratio(days_sum, count, DAYS),
        written_off=from_cents(written) or ZERO,
    )


def monthly_kpis(
    session: Session, end: date, months: int = 24, currency: str = "CNY",
    customers: CustomerSet | None = None,
) -> list[Kpis]:
    """One Kpis per calendar month, oldest first, the last month ending on ``end``.

    The same figures as ``kpis`` month by month, from shared grouped queries: one balance
    snapshot per month end (each month begins where the one before ended), and one
    query each, grouped by month, for credit sales, settlements and write-offs."""
    spans = periods.months_back(end, months)
    first = spans[0][0]
    ends = [first - timedelta(days=1), *(last for _, last in spans)]
    snaps = [snapshot(session, day, currency, customers) for day in ends]
    lookback = periods.months_back(end, months + periods.COUNTBACK_MONTHS)[0][0]
    sales = monthly_sales(session, lookback, end, currency, customers)
    settled = settled_by_month(session, first, end, currency, customers=customers)
    written = written_off_by_month(session, first, end, currency, customers=customers)
    series = []
    for i, (start, last) in enumerate(spans):
        key = periods.month_key(start)
        windows = periods.countback_windows(last, periods.COUNTBACK_MONTHS)
        months_back = [((b - a).days + 1, sales.get(periods.month_key(a), 0)) for a, b in windows]
        count, amount = written.get(key, (0, 0))
        series.append(
            build(
                start, last, currency, (last - start).days + 1, snaps[i][0], snaps[i + 1][0],
                snaps[i + 1][1], sales.get(key, 0), months_back, settled.get(key, (0, 0, 0)),
                count, amount,
            )
        )  # fmt: skip
    return series
