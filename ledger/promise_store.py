"""Promises to pay and payment plans in the database: small primitives.

A promise belongs to a customer and covers the receivables linked to it in
``promise_receivable``; a payment plan's instalments are promise rows with its
``plan_id``, each linked to every receivable the plan covers. workflows/promises.py
decides what is recorded, superseded, kept or broken; this module only reads and writes,
in bulk where the daily cycle calls it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, insert, select, type_coerce, update
from sqlmodel import Session

from ledger.bulk import chunks
from ledger.models import Customer, Payment, PaymentPlan, Promise, PromiseReceivable, Receivable
from ledger.money import Money

P, L, PL = Promise.__table__, PromiseReceivable.__table__, PaymentPlan.__table__
R, PAY = Receivable.__table__, Payment.__table__
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Owed:
    """A receivable a promise may cover, as it is now."""

    id: int
    number: str
    customer_id: int
    due_date: date
    balance: Decimal
    currency: str
    stage: str


_OWED = (R.c.id, R.c.number, R.c.customer_id, R.c.due_date, R.c.balance, R.c.currency,
         R.c.stage)


def customer_of(session: Session, customer_id: int) -> Customer | None:
    return session.get(Customer, customer_id)


def owed_by(session: Session, customer_id: int, stages: Sequence[str]) -> list[Owed]:
    """The customer's receivables in ``stages`` with a balance, oldest due first."""
    stmt = (select(*_OWED)
            .where(R.c.customer_id == customer_id, R.c.stage.in_(stages), R.c.balance > 0)
            .order_by(R.c.due_date, R.c.id))
    return [Owed(*row) for row in session.execute(stmt)]


def named(session: Session, numbers: Iterable[str]) -> dict[str, Owed]:
    """The receivables with these numbers, whatever their customer or stage."""
    found: dict[str, Owed] = {}
    for chunk in chunks(sorted(set(numbers))):
        found.update((row.number, Owed(*row))
                     for row in session.execute(select(*_OWED).where(R.c.number.in_(chunk))))
    return found


@dataclass(frozen=True)
class Holding:
    """An open promise (or a plan's open instalment) covering some of the receivables."""

    promise_id: int
    plan_id: int | None


def open_covering(session: Session, receivable_ids: Iterable[int]) -> list[Holding]:
    """Open promises linked to any of the receivables (each once)."""
    found: set[tuple[int, int | None]] = set()
    for chunk in chunks(sorted(set(receivable_ids))):
        stmt = (select(P.c.id, P.c.plan_id).select_from(P.join(L, L.c.promise_id == P.c.id))
                .where(L.c.receivable_id.in_(chunk), P.c.status == "open"))
        found.update((pid, plan) for pid, plan in session.execute(stmt))
    return [Holding(pid, plan) for pid, plan in sorted(found)]


def set_status(session: Session, promise_ids: Iterable[int], status: str,
               broken_on: date | None = None) -> None:
    """Promises kept, broken (on ``broken_on``) or cancelled."""
    values: dict[str, Any] = {"status": status}
    if broken_on is not None:
        values["broken_on"] = broken_on
    for chunk in chunks(sorted(set(promise_ids))):
        session.execute(update(P).where(P.c.id.in_(chunk)).values(**values))


def close_plans(session: Session, plan_ids: Iterable[int], status: str, on: date) -> None:
    """Plans kept, broken or cancelled on ``on``; cancelling also cancels their open
    instalments (a kept or broken plan has none left open)."""
    ids = sorted(set(plan_ids))
    for chunk in chunks(ids):
        session.execute(update(PL).where(PL.c.id.in_(chunk), PL.c.status == "open")
                        .values(status=status, closed_on=on))
        if status == "cancelled":
            session.execute(update(P).where(P.c.plan_id.in_(chunk), P.c.status == "open")
                            .values(status="cancelled"))


def cancel_open_instalments(session: Session, plan_id: int) -> list[int]:
    """The plan's instalments still open are cancelled; returns their ids."""
    ids = list(session.execute(select(P.c.id).where(P.c.plan_id == plan_id,
                                                    P.c.status == "open")).scalars())
    set_status(session, ids, "cancelled")
    return ids


@dataclass(frozen=True)
class NewPromise:
    """A promise (or an instalment) to write; ``plan_id`` None for a customer promise."""

    customer_id: int
    promised_date: date
    amount: Decimal | None
    balance_at_promise: Decimal
    created_on: date
    plan_id: int | None = None

    def row(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "plan_id": self.plan_id,
                "promised_date": self.promised_date, "amount": self.amount,
                "balance_at_promise": self.balance_at_promise, "status": "open",
                "created_on": self.created_on, "broken_on": None}


def add_promises(session: Session, promises: Sequence[NewPromise],
                 receivable_ids: Sequence[int]) -> list[int]:
    """Write the promises, each covering every one of ``receivable_ids``; their ids in
    the order given."""
    if not promises:
        return []
    made = session.execute(insert(P).returning(P.c.id, sort_by_parameter_order=True),
                           [p.row() for p in promises])
    ids = [pid for (pid,) in made]
    links = [{"promise_id": pid, "receivable_id": rid} for pid in ids for rid in receivable_ids]
    if links:
        session.execute(insert(L), links)
    return ids


def add_plan(session: Session, customer_id: int, created_on: date, created_by: str,
             note: str = "") -> int:
    """A new open payment plan (its instalments are written by ``add_promises``)."""
    made = session.execute(insert(PL).returning(PL.c.id), [{
        "customer_id": customer_id, "status": "open", "created_on": created_on,
        "created_by": created_by[:64], "closed_on": None, "note": note}])
    return int(made.scalar_one())


def _paid_until(promise_ids: Sequence[int]) -> Any:
    """Per promise: the customer's payments (not prepayments) dated from the promise's
    ``created_on`` (an instalment's: its plan's) to its ``promised_date``."""
    return (
        select(P.c.id, type_coerce(func.sum(PAY.c.amount), Money()).label("paid"))
        .select_from(P.outerjoin(PAY, and_(
            PAY.c.customer_id == P.c.customer_id, PAY.c.kind == "payment",
            PAY.c.date >= P.c.created_on, PAY.c.date <= P.c.promised_date)))
        .where(P.c.id.in_(promise_ids))
        .group_by(P.c.id)
    )


@dataclass(frozen=True)
class Due:
    """An open customer promise (not in a plan) whose date has passed."""

    id: int
    customer_id: int
    code: str
    created_on: date
    promised_date: date
    amount: Decimal | None
    paid: Decimal  # the customer's payments from created_on to promised_date


def due_promises(session: Session, as_of: date) -> list[Due]:
    """Open customer promises dated before ``as_of``, with what was paid by their date."""
    c = Customer.__table__
    stmt = (select(P.c.id, P.c.customer_id, c.c.code, P.c.created_on, P.c.promised_date,
                   P.c.amount)
            .select_from(P.join(c, c.c.id == P.c.customer_id))
            .where(P.c.status == "open", P.c.plan_id.is_(None), P.c.promised_date < as_of)
            .order_by(P.c.id))
    rows = list(session.execute(stmt))
    paid = paid_by_date(session, [row.id for row in rows])
    return [Due(*row, paid=paid.get(row.id, ZERO)) for row in rows]


def paid_by_date(session: Session, promise_ids: Sequence[int]) -> dict[int, Decimal]:
    """What the customer paid from each promise's ``created_on`` to its date."""
    paid: dict[int, Decimal] = {}
    for chunk in chunks(list(promise_ids)):
        paid.update((pid, amount or ZERO) for pid, amount in session.execute(_paid_until(chunk)))
    return paid


def covered(session: Session, promise_ids: Iterable[int]) -> dict[int, list[Owed]]:
    """The receivables each promise covers, as they are now (oldest due first)."""
    found: dict[int, list[Owed]] = {}
    for chunk in chunks(sorted(set(promise_ids))):
        stmt = (select(L.c.promise_id, *_OWED).select_from(L.join(R, R.c.id == L.c.receivable_id))
                .where(L.c.promise_id.in_(chunk)).order_by(R.c.due_date, R.c.id))
        for pid, *row in session.execute(stmt):
            found.setdefault(pid, []).append(Owed(*row))
    return found


@dataclass(frozen=True)
class Instalment:
    id: int
    promised_date: date
    amount: Decimal
    status: str
    paid: Decimal  # the customer's payments from the plan's start to this date


@dataclass(frozen=True)
class DuePlan:
    """An open plan with an open instalment whose date has passed: all its instalments."""

    id: int
    customer_id: int
    code: str
    created_on: date
    instalments: tuple[Instalment, ...]


def due_plans(session: Session, as_of: date) -> list[DuePlan]:
    """Open plans with an open instalment dated before ``as_of``."""
    c = Customer.__table__
    due = (select(P.c.plan_id).where(P.c.status == "open", P.c.plan_id.is_not(None),
                                     P.c.promised_date < as_of))
    plans = list(session.execute(
        select(PL.c.id, PL.c.customer_id, c.c.code, PL.c.created_on)
        .select_from(PL.join(c, c.c.id == PL.c.customer_id))
        .where(PL.c.status == "open", PL.c.id.in_(due)).order_by(PL.c.id)))
    if not plans:
        return []
    rows: dict[int, list[Any]] = {}
    for chunk in chunks([plan.id for plan in plans]):
        stmt = (select(P.c.id, P.c.plan_id, P.c.promised_date, P.c.amount, P.c.status)
                .where(P.c.plan_id.in_(chunk)).order_by(P.c.promised_date, P.c.id))
        for row in session.execute(stmt):
            rows.setdefault(row.plan_id, []).append(row)
    paid = paid_by_date(session, [row.id for found in rows.values() for row in found])
    return [DuePlan(plan.id, plan.customer_id, plan.code, plan.created_on, tuple(
        Instalment(row.id, row.promised_date, row.amount or ZERO, row.status,
                   paid.get(row.id, ZERO)) for row in rows.get(plan.id, [])))
        for plan in plans]
