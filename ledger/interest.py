"""Late-payment interest as of a day, read in bulk: three queries whatever the number of
receivables (the receivables, their allocations with the payment's date, their approved
write-offs), then engine/interest.accrued on each.

The balance unpaid at the end of a day is the ledger's "balance on a past day"
(ledger/reports/history): the balance today plus the allocations of payments dated after
that day plus the write-offs approved after it. So the balance interest starts from is
the balance today plus every allocation and approved write-off, each taken off from its
own day (a part paid before an ERP import has no date: it counts as paid from the start).
A settled receivable keeps the interest it accrued until the day its balance reached 0.
A customer whose interest is waived owes 0 (``waived``; ``accrued`` keeps the amount).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from engine.interest import InterestTerms, accrued
from ledger.reports.history import A, C, P, R, W, day


@dataclass(frozen=True)
class InterestRow:
    """A receivable's interest as of a day: ``interest`` is what it owes (0 when waived),
    ``accrued`` what the rule gives before any waiver, ``days`` the days it bore."""

    receivable_id: int
    number: str
    customer_id: int
    customer_code: str
    currency: str
    due_date: date
    days: int
    accrued: Decimal
    interest: Decimal
    waived: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def owed(session: Session, as_of: date, terms: InterestTerms) -> list[InterestRow]:
    """Every receivable that owes interest on ``as_of``, open or settled (a waived
    customer's are left out: they owe none), by customer code and number."""
    return [row for row in _rows(session, as_of, terms, []) if row.interest > 0]


def for_customer(session: Session, customer_id: int, as_of: date, terms: InterestTerms
                 ) -> list[InterestRow]:
    """One customer's receivables that accrued interest by ``as_of`` (statements and pages
    call this); when the customer's interest is waived each has ``interest`` 0, ``waived``."""
    rows = _rows(session, as_of, terms, [R.c.customer_id == customer_id])
    return [row for row in rows if row.accrued > 0]


def for_receivables(session: Session, receivable_ids: Iterable[int], as_of: date,
                    terms: InterestTerms) -> dict[int, Decimal]:
    """What each of these receivables owes on ``as_of`` (reminders read a chunk's in one
    go: three queries); only those owing more than 0 are keys (a waived customer's none)."""
    ids = sorted(set(receivable_ids))
    if not ids:
        return {}
    rows = _rows(session, as_of, terms, [R.c.id.in_(ids)])
    return {row.receivable_id: row.interest for row in rows if row.interest > 0}


def for_receivable(session: Session, receivable_id: int, as_of: date, terms: InterestTerms
                   ) -> InterestRow | None:
    """One receivable's interest on ``as_of`` (zero rows too); None if there is no such
    receivable."""
    found = _rows(session, as_of, terms, [R.c.id == receivable_id], due_only=False)
    return found[0] if found else None


def totals(rows: Iterable[InterestRow]) -> dict[str, Decimal]:
    """Interest owed per currency (they never mix), currencies in order."""
    sums: dict[str, Decimal] = {}
    for row in rows:
        sums[row.currency] = sums.get(row.currency, Decimal("0.00")) + row.interest
    return dict(sorted(sums.items()))


def _rows(session: Session, as_of: date, terms: InterestTerms,
          where: list[ColumnElement[bool]], due_only: bool = True) -> list[InterestRow]:
    if due_only:  # a grace end after as_of owes nothing yet
        where = [*where, R.c.due_date <= day(as_of - timedelta(days=terms.grace_days))]
    receivables = session.execute(
        select(R.c.id, R.c.number, R.c.customer_id, C.c.code, R.c.currency, R.c.due_date,
               R.c.balance, C.c.interest_waived)
        .select_from(R.join(C, C.c.id == R.c.customer_id)).where(*where)
        .order_by(C.c.code, R.c.number)).all()
    if not receivables:
        return []
    changes: dict[int, list[tuple[date, Decimal]]] = {}
    paid = (select(A.c.receivable_id, P.c.date, A.c.amount)
            .select_from(A.join(P, P.c.id == A.c.payment_id).join(R, R.c.id == A.c.receivable_id))
            .where(*where))
    written = (select(W.c.receivable_id, W.c.decided_on, W.c.amount)
               .select_from(W.join(R, R.c.id == W.c.receivable_id))
               .where(W.c.status == "approved", W.c.decided_on.is_not(None), *where))
    for stmt in (paid, written):
        for rid, on, value in session.execute(stmt):
            changes.setdefault(rid, []).append((on, value))
    rows = []
    for rid, number, cid, code, currency, due, balance, waived in receivables:
        downs = changes.get(rid, [])
        start = balance + sum((value for _, value in downs), Decimal("0"))
        due_now = accrued(due, start, downs, as_of, terms)
        rows.append(InterestRow(rid, number, cid, code, currency, due, due_now.days,
                                due_now.amount, Decimal("0.00") if waived else due_now.amount,
                                bool(waived)))
    return rows
