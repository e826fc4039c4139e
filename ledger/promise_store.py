"""Promises to pay in the database: small primitives (workflows/promises.py and
workflows/actions.py decide when a promise is recorded, superseded, kept or broken)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from ledger.models import Promise, Receivable


@dataclass(frozen=True)
class DuePromise:
    """An open promise whose date has passed, with its receivable as it is now."""

    id: int
    receivable_id: int
    promised_date: date
    amount: Decimal | None
    balance_at_promise: Decimal | None
    balance: Decimal
    number: str


def open_past_date(session: Session, as_of: date) -> list[DuePromise]:
    """Open promises whose date is before ``as_of``."""
    p, r = Promise.__table__, Receivable.__table__
    stmt = (
        select(
            p.c.id,
            p.c.receivable_id,
            p.c.promised_date,
            p.c.amount,
            p.c.balance_at_promise,
            r.c.balance,
            r.c.number,
        )
        .select_from(p.join(r, r.c.id == p.c.receivable_id))
        .where(p.c.status == "open", p.c.promised_date < as_of)
    )
    return [DuePromise(*row) for row in session.execute(stmt)]


def set_promise(session: Session, promise_id: int, **values: Any) -> None:
    t = Promise.__table__
    session.execute(update(t).where(t.c.id == promise_id).values(**values))


def cancel_open(session: Session, receivable_id: int) -> int:
    """Cancel the receivable's open promises; return how many there were."""
    t = Promise.__table__
    result = session.execute(
        update(t)
        .where(t.c.receivable_id == receivable_id, t.c.status == "open")
        .values(status="cancelled")
    )
    return result.rowcount or 0


def add_promise(
    session: Session,
    receivable_id: int,
    promised_date: date,
    amount: Decimal | None,
    balance_at_promise: Decimal,
    created_on: date,
) -> None:
    session.add(
        Promise(
            receivable_id=receivable_id,
            promised_date=promised_date,
            amount=amount,
            balance_at_promise=balance_at_promise,
            status="open",
            created_on=created_on,
        )
    )
