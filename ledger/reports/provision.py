"""Provision for doubtful debts (坏账准备), two ways.

1. Policy rates (the "provision matrix" of IFRS 9 simplified approach / 账龄分析法): the
   balance of each ageing bucket on the as-of day times the rate the credit managers set
   in the policy's ``provision`` section; the provision is the sum.
2. Roll rates (migration analysis), from the ledger's own month-end history: for each
   bucket b the roll rate is the share of the balance in b at one month end that is found
   in the next bucket at the next month end; averaged over ``months`` transitions
   (balance-weighted). The implied loss rate of bucket b is the product of the roll rates
   from b to the last bucket — the chance a balance now in b reaches the oldest bucket,
   taken as lost. Applied to today's balances it gives a provision to compare with 1.

Beside the provision, what was actually lost: the write-offs approved in the twelve months
up to the as-of day, each in the bucket its balance was in on the day it was approved, so
a bucket's provision can be read against the losses it took (the realised side of the
rates). Written-off balances are not in the buckets any more: they are gone from AR.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from ledger.money import CENT, from_cents
from ledger.reports.ageing import bucket_sums
from ledger.reports.balances import grouped_balances
from ledger.reports.buckets import DEFAULT_BUCKETS, Bucket, bucket_by_due, bucket_index, check
from ledger.reports.history import R, W, cents, day, days_between, dialect_of
from ledger.reports.periods import previous_month_end

ZERO = Decimal("0.00")
RATE = Decimal("0.0001")


WRITTEN_OFF_MONTHS = 12  # the look-back of the write-offs shown beside the provision


@dataclass
class ProvisionLine:
    bucket: str
    balance: Decimal
    rate: Decimal  # 0..1
    expected_loss: Decimal  # balance x rate, rounded half-up to the cent
    written_off: Decimal = ZERO  # approved in the last 12 months while in this bucket

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class ProvisionReport:
    as_of: date
    currency: str
    lines: list[ProvisionLine] = field(default_factory=list)
    total_balance: Decimal = ZERO
    total: Decimal = ZERO  # the provision
    # write-offs approved in [written_off_from, as_of]: amount and how many
    written_off_from: date | None = None
    written_off: Decimal = ZERO
    written_off_count: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "currency": self.currency,
            "lines": [line.as_dict() for line in self.lines],
            "total_balance": self.total_balance,
            "total": self.total,
            "written_off_from": self.written_off_from,
            "written_off": self.written_off,
            "written_off_count": self.written_off_count,
        }


@dataclass
class RollRateReport:
    as_of: date
    currency: str
    months: int
    buckets: list[str]
    # bucket -> roll rate into the next bucket one month later (None: no balance to roll)
    roll_rates: dict[str, Decimal | None] = field(default_factory=dict)
    # from -> to -> share of the from-bucket balance found there a month later
    matrix: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    loss_rates: dict[str, Decimal] = field(default_factory=dict)  # implied, per bucket
    provision: ProvisionReport | None = None  # today's balances x implied loss rates

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "currency": self.currency,
            "months": self.months,
            "buckets": list(self.buckets),
            "roll_rates": dict(self.roll_rates),
            "matrix": {k: dict(v) for k, v in self.matrix.items()},
            "loss_rates": dict(self.loss_rates),
            "provision": self.provision.as_dict() if self.provision else None,
        }


def provision(
    session: Session,
    as_of: date,
    rates: dict[str, Decimal],
    buckets: list[Bucket] = DEFAULT_BUCKETS,
    currency: str = "CNY",
) -> ProvisionReport:
    """Expected loss per ageing bucket at the policy's rates (missing bucket: rate 0)."""
    check(buckets)
    unknown = sorted(set(rates) - {b.name for b in buckets})
    if unknown:
        raise ValueError(f"provision rates name unknown buckets: {', '.join(unknown)}")
    cents = [0] * len(buckets)
    for _, _, idx, amount, _ in bucket_sums(session, as_of, None, buckets, currency):
        cents[idx] += amount
    report = _apply(as_of, currency, buckets, cents, rates)
    report.written_off_from = year_before(as_of)
    lost, report.written_off_count = written_off_by_bucket(
        session, report.written_off_from, as_of, buckets, currency)
    for line, amount in zip(report.lines, lost, strict=True):
        line.written_off = from_cents(amount) or ZERO
        report.written_off += line.written_off
    return report


def year_before(as_of: date) -> date:
    """The first day of the twelve months ending on ``as_of`` (29 Feb counts from 1 Mar)."""
    try:
        return as_of.replace(year=as_of.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        return date(as_of.year - 1, 3, 1)


def written_off_by_bucket(
    session: Session, start: date, end: date, buckets: list[Bucket], currency: str
) -> tuple[list[int], int]:
    """Cents of the write-offs approved in [start, end] per bucket (by days past due on
    the day of approval), and how many write-offs."""
    past_due = days_between(dialect_of(session), R.c.due_date, W.c.decided_on)
    idx = bucket_index(past_due, buckets)
    stmt = (
        select(idx, func.count(), func.sum(cents(W.c.amount)))
        .select_from(W.join(R, R.c.id == W.c.receivable_id))
        .where(W.c.status == "approved", W.c.decided_on >= day(start),
               W.c.decided_on <= day(end), R.c.currency == currency)
        .group_by(idx)
    )
    amounts, count = [0] * len(buckets), 0
    for i, n, total in session.execute(stmt):
        amounts[int(i)] += int(total or 0)
        count += int(n)
    return amounts, count


def _apply(
    as_of: date, currency: str, buckets: list[Bucket], cents: list[int], rates: dict[str, Decimal]
) -> ProvisionReport:
    report = ProvisionReport(as_of, currency)
    for bucket, amount in zip(buckets, cents, strict=True):
        balance = from_cents(amount) or ZERO
        rate = Decimal(rates.get(bucket.name, 0))
        loss = (balance * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        report.lines.append(ProvisionLine(bucket.name, balance, rate, loss))
        report.total_balance += balance
        report.total += loss
    return report


def month_ends(as_of: date, months: int) -> list[date]:
    """``months`` + 1 month ends, oldest first, the last the one on or before ``as_of``."""
    ends = [as_of if (as_of + timedelta(days=1)).day == 1 else previous_month_end(as_of)]
    for _ in range(months):
        ends.append(previous_month_end(ends[-1]))
    return ends[::-1]


def transitions(
    session: Session, before: date, after: date, buckets: list[Bucket], currency: str
) -> list[tuple[int, int | None, int, int]]:
    """(bucket at ``before``, bucket at ``after``, cents then, cents after) for the
    receivables open at ``before``. Both buckets are functions of the due date, so this is
    two set-wise sums (see balances), not a join of each receivable to itself."""
    groups = [
        bucket_by_due(R.c.due_date, before, buckets),
        bucket_by_due(R.c.due_date, after, buckets),
    ]
    then = grouped_balances(session, before, groups, currency)
    later = grouped_balances(session, after, groups, currency, issued_by=before)
    return [
        (int(f), int(t), amount, later.get((f, t), (0, 0))[0])
        for (f, t), (amount, _) in then.items()
    ]


def roll_rates(
    session: Session,
    as_of: date,
    months: int = 12,
    buckets: list[Bucket] = DEFAULT_BUCKETS,
    currency: str = "CNY",
) -> RollRateReport:
    """Roll rates over the last ``months`` month-end to month-end transitions."""
    check(buckets)
    names = [b.name for b in buckets]
    start_cents = [0] * len(buckets)
    moved = [[0] * (len(buckets) + 1) for _ in buckets]  # last column: closed
    ends = month_ends(as_of, months)
    for before, after in zip(ends, ends[1:], strict=False):
        for f, t, then_cents, later_cents in transitions(session, before, after, buckets, currency):
            start_cents[f] += then_cents
            if t is not None:
                moved[f][t] += later_cents
            # settled, written off or paid down meanwhile: the share that left the ladder
            moved[f][len(buckets)] += then_cents - later_cents
    report = RollRateReport(as_of, currency, months, names)
    for i, name in enumerate(names):
        base = start_cents[i]
        row = {to: _share(moved[i][j], base) for j, to in enumerate([*names, "closed"])}
        report.matrix[name] = {k: v for k, v in row.items() if v is not None}
        nxt = i + 1 if i + 1 < len(names) else None
        report.roll_rates[name] = None if nxt is None else _share(moved[i][nxt], base)
    report.loss_rates = implied_loss_rates(names, report.roll_rates)
    report.provision = provision(session, as_of, report.loss_rates, buckets, currency)
    return report


def implied_loss_rates(names: list[str], rolls: dict[str, Decimal | None]) -> dict[str, Decimal]:
    """Loss rate of a bucket: the product of the roll rates from it to the last bucket,
    which is taken as lost (rate 1). A missing roll rate (no history) counts as 0."""
    rates: dict[str, Decimal] = {names[-1]: Decimal(1)}
    for i in range(len(names) - 2, -1, -1):
        roll = rolls.get(names[i]) or Decimal(0)
        rates[names[i]] = (roll * rates[names[i + 1]]).quantize(RATE, rounding=ROUND_HALF_UP)
    return {name: rates[name] for name in names}


def _share(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE, rounding=ROUND_HALF_UP)
