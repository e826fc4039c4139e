"""Customers: the listing (filters, scope, paging) with balances per currency, one customer,
and the customer page's header.

A balance is never added across currencies: each customer has one ``CurrencyBalance`` per
currency it owes in (active receivables: open and disputed). ``overdue`` is the part past
its due date, counted over ``overdue_stages``: the API counts every active receivable
(ACTIVE_STAGES, disputed ones too), the customer page only the open ones (OPEN_STAGES: a
dispute holds its receivable out of the overdue figure). The CLI's ``open_balance`` is the
sum over every currency (``CustomerRow.open_balance``), as it has always printed.
A customer's ``contacts`` (ledger/contact_store: billing ones first) come with one
customer, and with a listing's page when asked (one more query per page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, or_, select, type_coerce
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES, OPEN_STAGES
from ledger import contact_store
from ledger.contact_store import ContactRow
from ledger.models import Customer, Payment, Receivable
from ledger.money import Money
from ledger.reads.paging import like, page, scoped

ZERO = Decimal("0.00")
C, R, P = Customer.__table__, Receivable.__table__, Payment.__table__


@dataclass(frozen=True)
class CurrencyBalance:
    currency: str
    balance: Decimal
    overdue: Decimal
    open_receivables: int


@dataclass(frozen=True)
class Sums:
    """A customer's open receivables: per currency, and in one figure when there is one
    currency (``currency``/``balance``/``overdue`` None when it owes in several)."""

    balances: list[CurrencyBalance] = field(default_factory=list)
    open_receivables: int = 0
    unapplied_credit: Decimal = ZERO  # every currency's added up, as before: see below
    # currency -> unapplied credit in it (a payment only ever pays its own currency)
    unapplied_by_currency: dict[str, Decimal] = field(default_factory=dict)

    @property
    def currency(self) -> str | None:
        return self.balances[0].currency if len(self.balances) == 1 else None

    @property
    def balance(self) -> Decimal | None:
        if not self.balances:
            return ZERO
        return self.balances[0].balance if len(self.balances) == 1 else None

    @property
    def overdue(self) -> Decimal | None:
        if not self.balances:
            return ZERO
        return self.balances[0].overdue if len(self.balances) == 1 else None

    @property
    def open_balance(self) -> Decimal:
        """Every currency's open balance added up (the CLI's column)."""
        return sum((b.balance for b in self.balances), ZERO)


@dataclass(frozen=True)
class CustomerRow:
    id: int
    code: str
    name: str
    email: str
    language: str
    segment: str
    country: str
    collector: str | None
    rating: str | None
    score: Decimal | None
    credit_limit: Decimal | None
    payment_terms_days: int | None
    reminders_paused: bool
    sums: Sums
    contacts: tuple[ContactRow, ...] = ()


def _row(row: Any, sums: Sums, contacts: list[ContactRow] | None = None) -> CustomerRow:
    return CustomerRow(
        id=row.id, code=row.code, name=row.name, email=row.email, language=row.language,
        segment=row.segment, country=row.country, collector=row.collector, rating=row.rating,
        score=row.score, credit_limit=row.credit_limit,
        payment_terms_days=row.payment_terms_days,
        reminders_paused=bool(row.reminders_paused), sums=sums,
        contacts=tuple(contacts or ()))


def listing(session: Session, today: date, *, scope: str | None = None,
            segment: str | None = None, collector: str | None = None, q: str | None = None,
            overdue_stages: tuple[str, ...] = ACTIVE_STAGES, limit: int | None = None,
            offset: int = 0, contacts: bool = False) -> tuple[list[CustomerRow], int]:
    """Customers by code (``q``: a part of the code or name, any case), one page and the
    count of all; balances for the page's customers in one grouped query (``contacts``:
    their contacts too, in one more)."""
    stmt = scoped(select(C).select_from(C), scope).order_by(C.c.code)
    if segment is not None:
        stmt = stmt.where(C.c.segment == segment)
    if collector is not None:
        stmt = stmt.where(C.c.collector == collector)
    if q:
        pattern = like(q.lower())
        stmt = stmt.where(or_(func.lower(C.c.code).like(pattern, escape="\\"),
                              func.lower(C.c.name).like(pattern, escape="\\")))
    rows, total = page(session, stmt, limit, offset)
    sums = balances(session, [r.id for r in rows], today, overdue_stages)
    people = contact_store.for_customers(session, [r.id for r in rows]) if contacts else {}
    return [_row(r, sums[r.id], people.get(r.id)) for r in rows], total


def one(session: Session, code: str, today: date, *,
        overdue_stages: tuple[str, ...] = ACTIVE_STAGES) -> CustomerRow | None:
    row = session.execute(select(C).where(C.c.code == code)).first()
    if row is None:
        return None
    return _row(row, balances(session, [row.id], today, overdue_stages)[row.id],
                contact_store.for_customer(session, row.id))


def balances(session: Session, customer_ids: list[int], today: date,
             overdue_stages: tuple[str, ...] = ACTIVE_STAGES) -> dict[int, Sums]:
    """Open balance and overdue part per currency, open count and unapplied credit per
    customer: two grouped queries whatever the number of customers."""
    if not customer_ids:
        return {}
    late = (R.c.due_date < today) & R.c.stage.in_(overdue_stages)
    stmt = (
        select(R.c.customer_id, R.c.currency,
               type_coerce(func.sum(R.c.balance), Money()).label("balance"),
               type_coerce(func.sum(case((late, R.c.balance), else_=0)), Money())
               .label("overdue"),
               func.count().label("n"))
        .where(R.c.customer_id.in_(customer_ids), R.c.stage.in_(ACTIVE_STAGES))
        .group_by(R.c.customer_id, R.c.currency)
        .order_by(R.c.customer_id, R.c.currency)
    )
    per: dict[int, list[CurrencyBalance]] = {cid: [] for cid in customer_ids}
    for row in session.execute(stmt):
        per[row.customer_id].append(CurrencyBalance(
            currency=row.currency, balance=row.balance or ZERO, overdue=row.overdue or ZERO,
            open_receivables=row.n))
    credit: dict[int, dict[str, Decimal]] = {}
    for cid, currency, amount in session.execute(
        select(P.c.customer_id, P.c.currency, type_coerce(func.sum(P.c.unapplied), Money()))
        .where(P.c.customer_id.in_(customer_ids), P.c.unapplied != 0)
        .group_by(P.c.customer_id, P.c.currency).order_by(P.c.currency)
    ):
        credit.setdefault(cid, {})[currency] = amount
    return {cid: Sums(balances=found,
                      open_receivables=sum(b.open_receivables for b in found),
                      unapplied_credit=sum(credit.get(cid, {}).values(), ZERO),
                      unapplied_by_currency=credit.get(cid, {}))
            for cid, found in per.items()}


def customer_header(session: Session, code: str, today: date) -> dict[str, Any] | None:
    """The customer page's header: the customer, its open and overdue (open stages only)
    balance per currency, and the limit in force (an override, else the scored limit)."""
    customer = session.execute(select(Customer).where(Customer.code == code)).scalar()
    if customer is None:
        return None
    sums = balances(session, [customer.id or 0], today, OPEN_STAGES)[customer.id or 0]
    totals = [{"currency": b.currency, "balance": b.balance, "overdue": b.overdue}
              for b in sums.balances]
    limit = (customer.limit_override if customer.limit_override is not None
             else customer.credit_limit)
    return {"customer": customer, "totals": totals, "limit": limit}
