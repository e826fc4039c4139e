"""Accounts receivable ageing (应收账款账龄分析) by days past due, as of any day.

Textbook ageing schedule: each open receivable's balance on the as-of day is placed in
the bucket of its days past due (as-of day minus due date; "current" = not yet due) and
summed, per currency (currencies never add up without a rate), optionally per customer,
segment, collector or currency. A past as-of uses the balances of that day (see history).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from engine.fx import Converted
from ledger import fx_store
from ledger.money import from_cents
from ledger.reports.balances import grouped_balances
from ledger.reports.buckets import DEFAULT_BUCKETS, Bucket, bucket_by_due, check
from ledger.reports.converted import converted_dict
from ledger.reports.history import C, R

GROUPINGS = ("customer", "segment", "collector", "currency")
KEY_COLUMNS = {"customer": C.c.code, "segment": C.c.segment, "collector": C.c.collector}
ZERO = Decimal("0.00")


@dataclass
class AgeingRow:
    key: str | None  # the customer code, segment, collector or currency; None for totals
    currency: str
    amounts: dict[str, Decimal]  # bucket name -> balance, every bucket present
    total: Decimal
    count: int  # open receivables in the row

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "currency": self.currency,
            "amounts": dict(self.amounts),
            "total": self.total,
            "count": self.count,
        }


@dataclass
class AgeingReport:
    as_of: date
    by: str | None
    buckets: list[Bucket]
    rows: list[AgeingRow] = field(default_factory=list)  # one per (key, currency)
    totals: list[AgeingRow] = field(default_factory=list)  # one per currency
    # the totals in the book currency (asked for with ``book``): each bucket and the total
    converted: dict[str, Converted] | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {
            "as_of": self.as_of,
            "by": self.by,
            "buckets": [b.as_dict() for b in self.buckets],
            "rows": [r.as_dict() for r in self.rows],
            "totals": [r.as_dict() for r in self.totals],
        }
        if self.converted is not None:
            total = self.converted["total"]
            out["total_converted"] = {
                **converted_dict(total),
                "amounts": {b.name: self.converted[b.name].amount for b in self.buckets}}
        return out

    def total(self, currency: str) -> Decimal:
        return next((t.total for t in self.totals if t.currency == currency), ZERO)


def bucket_sums(
    session: Session, as_of: date, by: str | None, buckets: list[Bucket], currency: str | None
) -> list[tuple[str | None, str, int, int, int]]:
    """(key, currency, bucket index, cents, count), grouped in SQL (see balances).

    Grouped by customer id, not joined to the customer: the few thousand customer rows
    are mapped to their code, segment or collector here, which is far cheaper than a
    join of every receivable (measured: 1.7 s vs 0.3 s for 200k on SQLite)."""
    keyed = by in KEY_COLUMNS
    index = bucket_by_due(R.c.due_date, as_of, buckets)
    groups = [R.c.currency, index, *([R.c.customer_id] if keyed else [])]
    sums = grouped_balances(session, as_of, groups, currency)
    names = customer_keys(session, by) if keyed else {}
    merged: dict[tuple[str | None, str, int], list[int]] = {}
    for key, (amount, n) in sums.items():
        row = merged.setdefault((names.get(key[2]) if keyed else None, key[0], int(key[1])), [0, 0])
        row[0] += amount
        row[1] += n
    return [(k, cur, i, amount, n) for (k, cur, i), (amount, n) in merged.items()]


def customer_keys(session: Session, by: str | None) -> dict[int, str | None]:
    """Customer id -> its code, segment or collector."""
    column = KEY_COLUMNS[by or "customer"]
    return dict(session.execute(select(C.c.id, column)).all())  # type: ignore[arg-type]


def ageing(
    session: Session,
    as_of: date,
    by: str | None = None,
    buckets: list[Bucket] = DEFAULT_BUCKETS,
    currency: str | None = None,
    book: str | None = None,
) -> AgeingReport:
    """The ageing schedule on ``as_of``; ``by`` groups rows (None: one row per currency).
    With ``book`` (the book currency) the totals are also given converted into it."""
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    check(buckets)
    grid: dict[tuple[str | None, str], list[int]] = {}
    counts: dict[tuple[str | None, str], int] = {}
    for key, cur, idx, amount, n in bucket_sums(session, as_of, by, buckets, currency):
        row_key = (cur if by == "currency" else key, cur)
        grid.setdefault(row_key, [0] * len(buckets))[idx] += amount
        counts[row_key] = counts.get(row_key, 0) + n
    report = AgeingReport(as_of, by, list(buckets))
    per_currency: dict[str, list[int]] = {}
    per_currency_n: dict[str, int] = {}
    for row_key in sorted(grid, key=lambda k: (k[1], k[0] or "")):
        values = grid[row_key]
        report.rows.append(_row(row_key[0], row_key[1], values, counts[row_key], buckets))
        sums = per_currency.setdefault(row_key[1], [0] * len(buckets))
        per_currency[row_key[1]] = [a + b for a, b in zip(sums, values, strict=True)]
        per_currency_n[row_key[1]] = per_currency_n.get(row_key[1], 0) + counts[row_key]
    for cur in sorted(per_currency):
        report.totals.append(_row(None, cur, per_currency[cur], per_currency_n[cur], buckets))
    if book is not None:
        rates = fx_store.rates_on(session, book, as_of, per_currency)
        report.converted = {
            name: rates.total({t.currency: t.amounts[name] for t in report.totals}, as_of)
            for name in [b.name for b in buckets]}
        report.converted["total"] = rates.total({t.currency: t.total for t in report.totals},
                                                as_of)
    return report


def _row(key: str | None, cur: str, values: list[int], n: int, buckets: list[Bucket]) -> AgeingRow:
    amounts = {b.name: from_cents(v) or ZERO for b, v in zip(buckets, values, strict=True)}
    return AgeingRow(key, cur, amounts, from_cents(sum(values)) or ZERO, n)
