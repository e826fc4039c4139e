"""What a collector needs beside each worklist row, for one page of customers at once:
whom to call, the promise or plan the customer is on, and the last time someone talked
to them (or wrote down that they did).

A page of 50 rows costs five queries whatever its size, never one per row: the contacts,
the open promises and plan instalments, what those cover, and the latest contact
activity (customer-level and receivable-level, grouped by customer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select, type_coerce, union_all
from sqlmodel import Session

from ledger.bulk import chunks
from ledger.models import Activity, Contact, PaymentPlan, Promise, PromiseReceivable, Receivable
from ledger.money import Money

# audit actions that mean someone was in touch with the customer
CONTACT_ACTIONS = ("call_logged", "promise_recorded", "plan_recorded", "note_added")


@dataclass(frozen=True)
class ContactToCall:
    """The first billing contact, else the first contact."""

    name: str
    role: str
    phone: str
    mobile: str

    @property
    def number(self) -> str:
        """The number to dial: the desk phone, else the mobile."""
        return self.phone or self.mobile


@dataclass(frozen=True)
class PromiseStatus:
    """An open customer promise (``plan`` False), or an open plan's next instalment."""

    plan: bool
    due: date  # the promised day (of the next open instalment, for a plan)
    amount: Decimal | None  # None: a promise of the whole covered balance, not known
    currency: str | None
    late: bool  # the day has passed and it is still open (the cycle judges it)
    kept: int = 0  # a plan's instalments kept ...
    instalments: int = 0  # ... of how many


@dataclass(frozen=True)
class LastContact:
    at: datetime  # when it was written (UTC: naive on SQLite, aware on PostgreSQL)
    on_date: date
    actor: str
    action: str  # one of CONTACT_ACTIONS
    subject: str  # the invoice number when it was on a receivable
    details: dict[str, Any]


@dataclass(frozen=True)
class AccountSummary:
    contact: ContactToCall | None = None
    promise: PromiseStatus | None = None  # the earliest open customer promise
    plan: PromiseStatus | None = None  # the open plan's next instalment
    last_contact: LastContact | None = None


def account_summaries(session: Session, customer_ids: Iterable[int], today: date
                      ) -> dict[int, AccountSummary]:
    """An ``AccountSummary`` for each of ``customer_ids`` (an empty one when nothing is
    known): one page's worth, read set-wise."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    contacts = _contacts(session, ids)
    promises, plans = _promises(session, ids, today)
    last = _last_contacts(session, ids)
    return {cid: AccountSummary(contacts.get(cid), promises.get(cid), plans.get(cid),
                                last.get(cid)) for cid in ids}


def _contacts(session: Session, ids: list[int]) -> dict[int, ContactToCall]:
    c = Contact.__table__
    found: dict[int, ContactToCall] = {}
    for chunk in chunks(ids):
        stmt = (select(c.c.customer_id, c.c.name, c.c.role, c.c.phone, c.c.mobile)
                .where(c.c.customer_id.in_(chunk))
                .order_by(c.c.customer_id, c.c.billing.desc(), c.c.id))
        for row in session.execute(stmt):
            found.setdefault(row.customer_id, ContactToCall(row.name, row.role or "",
                                                            row.phone or "", row.mobile or ""))
    return found


def _promises(session: Session, ids: list[int], today: date
              ) -> tuple[dict[int, PromiseStatus], dict[int, PromiseStatus]]:
    """Open customer promises and the instalments of open plans, with what they cover."""
    p, plan = Promise.__table__, PaymentPlan.__table__
    rows: list[Any] = []
    for chunk in chunks(ids):
        open_plans = select(plan.c.id).where(plan.c.customer_id.in_(chunk),
                                             plan.c.status == "open")
        stmt = (select(p.c.id, p.c.customer_id, p.c.plan_id, p.c.promised_date, p.c.amount,
                       p.c.status)
                .where(p.c.customer_id.in_(chunk),
                       or_(and_(p.c.plan_id.is_(None), p.c.status == "open"),
                           p.c.plan_id.in_(open_plans)))
                .order_by(p.c.customer_id, p.c.promised_date, p.c.id))
        rows.extend(session.execute(stmt))
    wanted = [r.id for r in rows if r.status == "open"]
    covered = _covered(session, wanted)
    promises: dict[int, PromiseStatus] = {}
    plans: dict[int, list[Any]] = {}
    for row in rows:
        if row.plan_id is not None:
            plans.setdefault(row.customer_id, []).append(row)
        elif row.customer_id not in promises:
            balance, currency = covered.get(row.id, (None, None))
            promises[row.customer_id] = PromiseStatus(
                False, row.promised_date, row.amount if row.amount is not None else balance,
                currency, row.promised_date < today)
    return promises, {cid: _next_instalment(found, covered, today)
                      for cid, found in plans.items()
                      if any(r.status == "open" for r in found)}


def _next_instalment(rows: list[Any], covered: dict[int, tuple[Decimal | None, str | None]],
                     today: date) -> PromiseStatus:
    """The earliest open instalment of the customer's open plan(s), and the tally."""
    counted = [r for r in rows if r.status != "cancelled"]
    upcoming = next(r for r in rows if r.status == "open")
    balance, currency = covered.get(upcoming.id, (None, None))
    return PromiseStatus(True, upcoming.promised_date,
                         upcoming.amount if upcoming.amount is not None else balance,
                         currency, upcoming.promised_date < today,
                         kept=sum(1 for r in counted if r.status == "kept"),
                         instalments=len(counted))


def _covered(session: Session, promise_ids: list[int]
             ) -> dict[int, tuple[Decimal | None, str | None]]:
    """Each promise's covered open balance and currency (the first, should it span two)."""
    pr, r = PromiseReceivable.__table__, Receivable.__table__
    found: dict[int, tuple[Decimal | None, str | None]] = {}
    for chunk in chunks(promise_ids):
        stmt = (select(pr.c.promise_id,
                       type_coerce(func.sum(r.c.balance), Money()).label("balance"),
                       func.min(r.c.currency).label("currency"))
                .select_from(pr.join(r, r.c.id == pr.c.receivable_id))
                .where(pr.c.promise_id.in_(chunk)).group_by(pr.c.promise_id))
        found.update({row.promise_id: (row.balance, row.currency)
                      for row in session.execute(stmt)})
    return found


def _last_contacts(session: Session, ids: list[int]) -> dict[int, LastContact]:
    """The latest contact activity on each customer or any of its receivables: the
    newest row id of each side, grouped by customer, then those rows alone."""
    a, r = Activity.__table__, Receivable.__table__
    latest: dict[int, int] = {}
    for chunk in chunks(ids):
        on_customer = (select(a.c.entity_id.label("customer_id"), func.max(a.c.id).label("id"))
                       .where(a.c.entity == "customer", a.c.entity_id.in_(chunk),
                              a.c.action.in_(CONTACT_ACTIONS))
                       .group_by(a.c.entity_id))
        on_invoice = (select(r.c.customer_id, func.max(a.c.id).label("id"))
                      .select_from(a.join(r, r.c.id == a.c.entity_id))
                      .where(a.c.entity == "receivable", r.c.customer_id.in_(chunk),
                             a.c.action.in_(CONTACT_ACTIONS))
                      .group_by(r.c.customer_id))
        for row in session.execute(union_all(on_customer, on_invoice)):
            if row.id is not None and row.id > latest.get(row.customer_id, 0):
                latest[row.customer_id] = row.id
    by_id = {v: k for k, v in latest.items()}
    found: dict[int, LastContact] = {}
    for chunk in chunks(sorted(by_id)):
        for row in session.execute(select(a).where(a.c.id.in_(chunk))):
            found[by_id[row.id]] = LastContact(
                row.at, row.on_date, row.actor, row.action,
                row.subject if row.entity == "receivable" else "", dict(row.details or {}))
    return found
