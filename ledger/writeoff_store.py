"""Write-offs in the database: small primitives (workflows/writeoffs.py decides when a
write-off is proposed, approved or rejected, and what follows).

The balance is taken down by one conditional UPDATE (``take_off``), so a payment settled
at the same moment cannot be overwritten: the approval sees the balance as it is then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, func, insert, select, type_coerce, update
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES
from ledger.models import (
    Customer,
    Promise,
    PromiseReceivable,
    Receivable,
    WriteOff,
)
from ledger.money import to_cents

W, R, C = WriteOff.__table__, Receivable.__table__, Customer.__table__


@dataclass(frozen=True)
class Proposal:
    """A write-off with the receivable it is about, as the workflow judges it."""

    id: int
    receivable_id: int
    number: str
    amount: Decimal
    currency: str
    reason: str
    status: str
    proposed_by: str


def add(session: Session, receivable_id: int, amount: Decimal, reason: str, proposed_by: str,
        proposed_on: date) -> int:
    """A new proposal; returns its id."""
    return int(session.execute(insert(W).returning(W.c.id), [{
        "receivable_id": receivable_id, "amount": amount, "reason": reason,
        "status": "proposed", "proposed_by": proposed_by, "proposed_on": proposed_on,
        "decided_by": "", "decided_on": None, "decision_note": ""}]).scalar_one())


def open_for(session: Session, receivable_id: int) -> Proposal | None:
    """The receivable's proposal waiting for a decision (at most one: the workflow)."""
    stmt = _proposals().where(W.c.receivable_id == receivable_id, W.c.status == "proposed")
    row = session.execute(stmt.order_by(W.c.id)).first()
    return None if row is None else Proposal(*row)


def held(session: Session, writeoff_id: int) -> Proposal | None:
    """One write-off, locked for its decision where the database can (PostgreSQL), so two
    people deciding at once are decided one after the other."""
    row = session.execute(_proposals().where(W.c.id == writeoff_id).with_for_update(of=W)
                          ).first()
    return None if row is None else Proposal(*row)


def _proposals():  # type: ignore[no-untyped-def]
    return (select(W.c.id, W.c.receivable_id, R.c.number, W.c.amount, R.c.currency, W.c.reason,
                   W.c.status, W.c.proposed_by)
            .select_from(W.join(R, R.c.id == W.c.receivable_id)))


def decide(session: Session, writeoff_id: int, status: str, decided_by: str, decided_on: date,
           note: str) -> bool:
    """Approve or reject a proposal still open; False if it was decided meanwhile."""
    done = session.execute(
        update(W).where(W.c.id == writeoff_id, W.c.status == "proposed")
        .values(status=status, decided_by=decided_by, decided_on=decided_on,
                decision_note=note))
    return bool(done.rowcount)


def take_off(session: Session, receivable_id: int, amount: Decimal) -> Decimal | None:
    """Lower an active receivable's balance by ``amount`` if that much is still owed;
    returns the balance left, or None (nothing changed: it owes less now, or is closed)."""
    owed = type_coerce(R.c.balance, BigInteger)  # cents: exact on SQLite too
    done = session.execute(
        update(R).where(R.c.id == receivable_id, R.c.stage.in_(ACTIVE_STAGES),
                        owed >= to_cents(amount))
        .values(balance=owed - to_cents(amount), updated_at=func.now())
        .returning(R.c.balance)).first()
    return None if done is None else done[0]



def plans_covering_open(session: Session, plan_ids: list[int]) -> set[int]:
    """Those of the plans whose instalments still cover an active receivable."""
    if not plan_ids:
        return set()
    p, link = Promise.__table__, PromiseReceivable.__table__
    stmt = (select(p.c.plan_id).distinct()
            .select_from(p.join(link, link.c.promise_id == p.c.id)
                         .join(R, R.c.id == link.c.receivable_id))
            .where(p.c.plan_id.in_(plan_ids), R.c.stage.in_(ACTIVE_STAGES)))
    return set(session.execute(stmt).scalars())


def customer_code(session: Session, receivable_id: int) -> str:
    """The code of the receivable's customer (the subject of a customer's audit row)."""
    return session.execute(select(C.c.code).select_from(C.join(R, R.c.customer_id == C.c.id))
                           .where(R.c.id == receivable_id)).scalar_one()
