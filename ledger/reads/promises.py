"""Promises and payment plans as the shells show them: a customer's promises (not part of
a plan) and its plans with their instalments, each naming the invoices it covers.

Filters: customer code, status, a collector ``scope``; newest first, at most ``limit``.
The invoices of a page of promises come from one query, never one per promise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from ledger.bulk import chunks
from ledger.models import Customer, PaymentPlan, Promise, PromiseReceivable, Receivable
from ledger.reads.paging import scoped

C, P, L, PL, R = (Customer.__table__, Promise.__table__, PromiseReceivable.__table__,
                  PaymentPlan.__table__, Receivable.__table__)
STATUSES = ("open", "kept", "broken", "cancelled")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PromiseRow:
    """A customer promise, or one instalment of a plan (``plan_id``)."""

    id: int
    customer_code: str
    plan_id: int | None
    promised_date: date
    amount: Decimal | None
    balance_at_promise: Decimal | None
    status: str
    created_on: date
    broken_on: date | None
    receivables: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The shells' JSON (CLI --json and the API)."""
        return {"id": self.id, "customer_code": self.customer_code,
                "receivables": list(self.receivables), "date": self.promised_date,
                "amount": self.amount, "status": self.status, "created_on": self.created_on,
                "broken_on": self.broken_on, "balance_at_promise": self.balance_at_promise}


@dataclass(frozen=True)
class PlanRow:
    id: int
    customer_code: str
    status: str
    created_on: date
    created_by: str
    closed_on: date | None
    note: str
    instalments: tuple[PromiseRow, ...]

    @property
    def receivables(self) -> tuple[str, ...]:
        return self.instalments[0].receivables if self.instalments else ()

    @property
    def total(self) -> Decimal:
        return sum((i.amount or ZERO for i in self.instalments), ZERO)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "customer_code": self.customer_code,
                "receivables": list(self.receivables),
                "dates": [i.promised_date for i in self.instalments],
                "amounts": [i.amount for i in self.instalments], "total": self.total,
                "status": self.status, "created_on": self.created_on,
                "created_by": self.created_by, "closed_on": self.closed_on, "note": self.note,
                "instalments": [{"id": i.id, "date": i.promised_date, "amount": i.amount,
                                 "status": i.status, "broken_on": i.broken_on}
                                for i in self.instalments]}


def _numbers(session: Session, promise_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    for chunk in chunks(sorted(set(promise_ids))):
        stmt = (select(L.c.promise_id, R.c.number)
                .select_from(L.join(R, R.c.id == L.c.receivable_id))
                .where(L.c.promise_id.in_(chunk)).order_by(R.c.due_date, R.c.number))
        for pid, number in session.execute(stmt):
            found.setdefault(pid, []).append(number)
    return {pid: tuple(numbers) for pid, numbers in found.items()}


def _promise(row: Any, numbers: tuple[str, ...]) -> PromiseRow:
    return PromiseRow(row.id, row.code, row.plan_id, row.promised_date, row.amount,
                      row.balance_at_promise, row.status, row.created_on, row.broken_on,
                      numbers)


def _where(stmt: Any, table: Any, customer: str | None, status: str | None,
           scope: str | None) -> Any:
    stmt = scoped(stmt, scope)
    if customer is not None:
        stmt = stmt.where(C.c.code == customer)
    if status is not None:
        stmt = stmt.where(table.c.status == status)
    return stmt


def promises(session: Session, *, customer: str | None = None, status: str | None = None,
             scope: str | None = None, limit: int | None = None, ids: list[int] | None = None
             ) -> list[PromiseRow]:
    """Customer promises (not a plan's instalments), newest first (``ids``: those)."""
    stmt = (select(P, C.c.code).select_from(P.join(C, C.c.id == P.c.customer_id))
            .where(P.c.plan_id.is_(None)).order_by(P.c.id.desc()))
    stmt = _where(stmt, P, customer, status, scope)
    if ids is not None:
        stmt = stmt.where(P.c.id.in_(ids))
    rows = list(session.execute(stmt.limit(limit) if limit else stmt))
    numbers = _numbers(session, [row.id for row in rows])
    return [_promise(row, numbers.get(row.id, ())) for row in rows]


def plans(session: Session, *, customer: str | None = None, status: str | None = None,
          scope: str | None = None, limit: int | None = None, ids: list[int] | None = None
          ) -> list[PlanRow]:
    """Payment plans with their instalments in date order, newest plan first (``ids``:
    those)."""
    stmt = (select(PL, C.c.code).select_from(PL.join(C, C.c.id == PL.c.customer_id))
            .order_by(PL.c.id.desc()))
    stmt = _where(stmt, PL, customer, status, scope)
    if ids is not None:
        stmt = stmt.where(PL.c.id.in_(ids))
    found = list(session.execute(stmt.limit(limit) if limit else stmt))
    instalments: dict[int, list[PromiseRow]] = {}
    for chunk in chunks([plan.id for plan in found]):
        rows = list(session.execute(
            select(P, C.c.code).select_from(P.join(C, C.c.id == P.c.customer_id))
            .where(P.c.plan_id.in_(chunk)).order_by(P.c.promised_date, P.c.id)))
        first: dict[int, int] = {}  # every instalment covers what the plan's first does
        for row in rows:
            first.setdefault(row.plan_id, row.id)
        numbers = _numbers(session, first.values())
        for row in rows:
            instalments.setdefault(row.plan_id, []).append(
                _promise(row, numbers.get(first[row.plan_id], ())))
    return [PlanRow(plan.id, plan.code, plan.status, plan.created_on, plan.created_by,
                    plan.closed_on, plan.note, tuple(instalments.get(plan.id, [])))
            for plan in found]


@dataclass(frozen=True)
class CustomerPromises:
    """The customer page's panel: its promises and plans, open ones first."""

    promises: list[PromiseRow]
    plans: list[PlanRow]

    @property
    def open_promises(self) -> list[PromiseRow]:
        return [p for p in self.promises if p.status == "open"]

    @property
    def open_plans(self) -> list[PlanRow]:
        return [p for p in self.plans if p.status == "open"]


def of_customer(session: Session, code: str, limit: int = 10) -> CustomerPromises:
    """The customer's latest promises and plans (at most ``limit`` of each)."""
    return CustomerPromises(promises(session, customer=code, limit=limit),
                            plans(session, customer=code, limit=limit))
