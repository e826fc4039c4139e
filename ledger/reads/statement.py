"""What a statement of account (对账单) shows for one customer as of a day, read in a few
queries: the customer and its billing contact, the receivables open on that day (their
balance then, ledger/reports/history), the ageing of those balances into the configured
buckets, the payments of the last 90 days with the invoices they paid, the unapplied
credit, and the interest accrued when the policy charges it (ledger/interest).

Money never adds across currencies: every total is per currency. A payment carries no
currency of its own; it is shown in the currency of the receivables it paid, else the
currency the customer owes most often in (CNY for a customer with no receivables).
"""

from __future__ import annotations

import importlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from ledger import contact_store
from ledger.contact_store import ContactRow
from ledger.models import Allocation, Customer, Payment, Receivable
from ledger.money import from_cents
from ledger.reports.buckets import Bucket
from ledger.reports.history import outstanding

PAYMENTS_DAYS = 90  # the payments a statement lists: those of the last 90 days
ZERO = Decimal("0.00")
C, R, P, A = Customer.__table__, Receivable.__table__, Payment.__table__, Allocation.__table__


@dataclass(frozen=True)
class OpenItem:
    number: str
    issue_date: date
    due_date: date
    days_overdue: int  # negative before the due date
    amount: Decimal
    balance: Decimal  # on the as-of day
    currency: str


@dataclass(frozen=True)
class PaymentLine:
    reference: str
    date: date
    amount: Decimal
    currency: str
    invoices: tuple[str, ...]  # what it paid
    unapplied: Decimal  # what is still on account


@dataclass(frozen=True)
class StatementData:
    customer_id: int
    code: str
    name: str
    language: str
    email: str
    contact: ContactRow | None  # the first billing contact
    as_of: date
    buckets: tuple[Bucket, ...]
    items: list[OpenItem] = field(default_factory=list)
    ageing: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # currency -> bucket
    payments: list[PaymentLine] = field(default_factory=list)
    unapplied: dict[str, Decimal] = field(default_factory=dict)  # currency -> credit
    interest: dict[str, Decimal] | None = None  # None: no interest charged (not shown)

    @property
    def currencies(self) -> list[str]:
        """Every currency the statement speaks of, the customer's main one first."""
        seen = [i.currency for i in self.items] + [p.currency for p in self.payments]
        seen += list(self.unapplied) + list(self.interest or {})
        return list(dict.fromkeys(seen)) or ["CNY"]

    def totals(self) -> dict[str, Decimal]:
        """The balance open on the as-of day per currency."""
        sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for item in self.items:
            sums[item.currency] += item.balance
        return dict(sums)


def customer_id(session: Session, code: str) -> int | None:
    """The id of customer ``code``, None when there is none."""
    return session.execute(select(C.c.id).where(C.c.code == code)).scalar()


def statement(session: Session, customer: int, as_of: date, buckets: Sequence[Bucket],
              interest_terms: Any = None) -> StatementData | None:
    """The statement of customer id ``customer`` as of ``as_of``; None if there is none.
    ``interest_terms``: the policy's interest terms (None: the policy charges none)."""
    row = session.execute(select(C).where(C.c.id == customer)).first()
    if row is None:
        return None
    billing = [c for c in contact_store.for_customer(session, customer) if c.billing]
    items = _open_items(session, customer, as_of)
    main = Counter(i.currency for i in items).most_common(1)
    payments = _payments(session, customer, as_of, main[0][0] if main else "CNY")
    unapplied: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in payments:
        if line.unapplied:
            unapplied[line.currency] += line.unapplied
    return StatementData(
        customer_id=customer, code=row.code, name=row.name, language=row.language or "zh-CN",
        email=row.email or "", contact=billing[0] if billing else None, as_of=as_of,
        buckets=tuple(buckets), items=items, ageing=_ageing(items, buckets),
        payments=[p for p in payments if p.date > as_of - timedelta(days=PAYMENTS_DAYS)],
        unapplied=dict(unapplied),
        interest=_interest(session, customer, as_of, interest_terms))


def _open_items(session: Session, customer: int, as_of: date) -> list[OpenItem]:
    open_ = outstanding(session, as_of, customer_ids=[customer])
    rows = session.execute(
        select(open_.c.id, open_.c.currency, open_.c.issue_date, open_.c.due_date,
               open_.c.amount, open_.c.balance, open_.c.days_past_due, R.c.number)
        .join(R, R.c.id == open_.c.id)
        .order_by(open_.c.currency, open_.c.due_date, R.c.number)
    )
    return [OpenItem(number=r.number, issue_date=r.issue_date, due_date=r.due_date,
                     days_overdue=int(r.days_past_due), amount=from_cents(r.amount) or ZERO,
                     balance=from_cents(r.balance) or ZERO, currency=r.currency)
            for r in rows]


def _ageing(items: list[OpenItem], buckets: Sequence[Bucket]) -> dict[str, dict[str, Decimal]]:
    ageing: dict[str, dict[str, Decimal]] = {}
    for item in items:
        row = ageing.setdefault(item.currency, {b.name: ZERO for b in buckets})
        bucket = next(b for b in buckets if b.contains(item.days_overdue))
        row[bucket.name] += item.balance
    return ageing


def _payments(session: Session, customer: int, as_of: date, default: str) -> list[PaymentLine]:
    """Every payment dated on or before ``as_of`` (newest first) with what it paid.

    Unapplied credit is the payment's ``unapplied`` today: a part applied after the as-of
    day is not told apart (the ledger keeps no date on an allocation)."""
    rows = session.execute(
        select(P.c.id, P.c.reference, P.c.date, P.c.amount, P.c.unapplied)
        .where(P.c.customer_id == customer, P.c.date <= as_of)
        .order_by(P.c.date.desc(), P.c.id.desc())
    ).all()
    paid: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if rows:
        for a in session.execute(
            select(A.c.payment_id, R.c.number, R.c.currency)
            .join(R, R.c.id == A.c.receivable_id)
            .where(A.c.payment_id.in_([r.id for r in rows]))
            .order_by(A.c.payment_id, R.c.number)
        ):
            paid[a.payment_id].append((a.number, a.currency))
    return [PaymentLine(reference=r.reference, date=r.date, amount=r.amount or ZERO,
                        currency=paid[r.id][0][1] if paid[r.id] else default,
                        invoices=tuple(n for n, _ in paid[r.id]),
                        unapplied=r.unapplied or ZERO)
            for r in rows]


def _interest(session: Session, customer: int, as_of: date,
              terms: Any) -> dict[str, Decimal] | None:
    """Interest accrued per currency, from ledger/interest.py's ``for_customer`` (rows with
    ``currency`` and ``interest``). None when the policy charges none or that module is
    not there: the statement then has no interest section (never a figure of our own)."""
    if terms is None:
        return None
    try:
        module = importlib.import_module("ledger.interest")
    except ImportError:
        return None
    for_customer = getattr(module, "for_customer", None)
    if for_customer is None:
        return None
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in for_customer(session, customer, as_of, terms):
        sums[row.currency] += row.interest
    return dict(sums)
