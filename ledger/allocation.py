"""Applying payments to receivables.

A payment naming an invoice pays that invoice; one without pays the customer's open,
undisputed receivables oldest-due first. Allocation never crosses currencies: a payment
pays only receivables in its own currency. Whatever is left is the customer's unapplied
credit (an advance receipt, 预收) in the payment's currency, kept on the payment row.
Work is done in memory for a batch of payments and written back in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES
from ledger.bulk import chunks
from ledger.models import Allocation, Payment, Receivable, utcnow


@dataclass
class OpenItem:
    id: int
    number: str
    due_date: date
    balance: Decimal
    original: Decimal
    stage: str
    currency: str = "CNY"


@dataclass
class Allocator:
    """Open receivables of a set of customers, held in memory while payments are applied."""

    session: Session
    by_customer: dict[int, list[OpenItem]] = field(default_factory=lambda: defaultdict(list))
    by_id: dict[int, OpenItem] = field(default_factory=dict)
    by_number: dict[str, OpenItem] = field(default_factory=dict)
    unapplied: dict[int, Decimal] = field(default_factory=dict)
    new_allocations: list[dict[str, object]] = field(default_factory=list)
    paid_on: dict[int, date] = field(default_factory=dict)

    @classmethod
    def for_customers(cls, session: Session, customer_ids: set[int]) -> Allocator:
        """The open receivables of these customers (a payments file, a feed batch)."""
        t = Receivable.__table__
        return cls(session)._load(
            t.c.customer_id, customer_ids, lambda stmt: stmt.where(t.c.stage.in_(ACTIVE_STAGES)))

    @classmethod
    def for_receivables(cls, session: Session, receivable_ids: set[int]) -> Allocator:
        """Just these receivables (bank lines name theirs): read by primary key, so a batch
        of thousands does not load every open item of their customers."""
        return cls(session)._load(Receivable.__table__.c.id, receivable_ids, lambda s: s)

    def _load(self, key: Any, values: set[int], narrow: Any) -> Allocator:
        t = Receivable.__table__
        for chunk in chunks(sorted(values)):
            stmt = narrow(
                select(t.c.id, t.c.customer_id, t.c.number, t.c.due_date, t.c.balance,
                       t.c.stage, t.c.currency).where(key.in_(chunk))
            ).order_by(t.c.due_date, t.c.id)
            for row in self.session.execute(stmt):
                item = OpenItem(row.id, row.number, row.due_date, row.balance, row.balance,
                                row.stage, row.currency)
                self.by_customer[row.customer_id].append(item)
                self.by_id[row.id] = item
                self.by_number[row.number] = item
        return self

    def reverse(self, payment_id: int) -> None:
        """Undo a payment's allocations (it is being re-imported with new values)."""
        t = Allocation.__table__
        for row in self.session.execute(
            select(t.c.receivable_id, t.c.amount).where(t.c.payment_id == payment_id)
        ):
            item = self.by_id.get(row.receivable_id) or self._load_settled(row.receivable_id)
            item.balance += row.amount
            self.paid_on.pop(item.id, None)
        self.session.execute(delete(t).where(t.c.payment_id == payment_id))

    def _load_settled(self, receivable_id: int) -> OpenItem:
        """A settled receivable whose payment is being undone: it can be paid again (and
        is reopened if it is not)."""
        r = Receivable.__table__
        row = self.session.execute(
            select(r.c.id, r.c.customer_id, r.c.number, r.c.due_date, r.c.balance, r.c.stage,
                   r.c.currency).where(r.c.id == receivable_id)
        ).one()
        item = OpenItem(row.id, row.number, row.due_date, row.balance, row.balance, row.stage,
                        row.currency)
        items = self.by_customer[row.customer_id]
        items.append(item)
        items.sort(key=lambda i: (i.due_date, i.id))
        self.by_id[item.id] = item
        self.by_number[item.number] = item
        return item

    def apply(
        self,
        payment_id: int,
        customer_id: int,
        amount: Decimal,
        on: date,
        invoice_number: str | None,
        currency: str | None = None,
    ) -> Decimal:
        """Allocate ``amount`` to receivables in ``currency`` only (default: the stored
        payment's); what stays unapplied is written to the payment on flush."""
        left = amount
        paid_in = currency if currency is not None else self._currency_of(payment_id)
        items = self.by_customer.get(customer_id, [])
        if invoice_number is not None:
            named = self.by_number.get(invoice_number)
            targets = [named] if named is not None else []
        else:
            targets = [i for i in items if i.stage != "disputed"]
        for item in targets:
            if paid_in is not None and item.currency != paid_in:
                continue
            if left <= 0:
                break
            if item.balance <= 0:
                continue
            part = min(left, item.balance)
            item.balance -= part
            left -= part
            self.new_allocations.append(
                {"payment_id": payment_id, "receivable_id": item.id, "amount": part}
            )
            if item.balance == 0:
                self.paid_on[item.id] = on
        self.unapplied[payment_id] = left
        return left

    def _currency_of(self, payment_id: int) -> str | None:
        p = Payment.__table__
        return self.session.execute(  # type: ignore[no-any-return]
            select(p.c.currency).where(p.c.id == payment_id)).scalar_one_or_none()

    def apply_shares(
        self, payment_id: int, amount: Decimal, shares: list[tuple[int, Decimal]], on: date
    ) -> Decimal:
        """Allocate exact shares of a payment (receivable id, amount), as a person or the
        bank matcher split it; the rest of ``amount`` stays unapplied credit. The caller
        has checked each share against the receivable's balance and currency."""
        left = amount
        for receivable_id, part in shares:
            item = self.by_id.get(receivable_id) or self._load_settled(receivable_id)
            if part <= 0 or part > item.balance or part > left:
                raise ValueError(f"share {part} does not fit {item.number} "
                                 f"(balance {item.balance}, {left} of the payment left)")
            item.balance -= part
            left -= part
            self.new_allocations.append(
                {"payment_id": payment_id, "receivable_id": item.id, "amount": part}
            )
            if item.balance == 0:
                self.paid_on[item.id] = on
        self.unapplied[payment_id] = left
        return left

    def flush(self) -> dict[int, date | None]:
        """Write allocations and balances; return the receivables whose balance changed."""
        if self.new_allocations:
            self.session.execute(Allocation.__table__.insert(), self.new_allocations)
        p = Payment.__table__
        leftovers = [{"pid": pid, "unapplied": left} for pid, left in self.unapplied.items()]
        if leftovers:
            self.session.execute(update(p).where(p.c.id == bindparam("pid")), leftovers)
        t = Receivable.__table__
        changed = [i for i in self.by_id.values() if i.balance != i.original]
        if changed:
            now = utcnow()
            self.session.execute(
                update(t).where(t.c.id == bindparam("rid")),
                [{"rid": i.id, "balance": i.balance, "updated_at": now} for i in changed],
            )
        return {i.id: self.paid_on.get(i.id) for i in changed}
