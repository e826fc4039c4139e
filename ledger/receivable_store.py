"""Receivables and customers as the workflows' commands read them (workflows/actions.py
decides what changes): one by its number or code, those a payment settled or reopened."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES
from ledger.bulk import chunks
from ledger.models import Customer, Receivable


def find_receivable(session: Session, number: str) -> Receivable | None:
    stmt = select(Receivable).where(Receivable.number == number)
    return session.execute(stmt).scalar_one_or_none()


def find_customer(session: Session, code: str) -> Customer | None:
    stmt = select(Customer).where(Customer.code == code)
    return session.execute(stmt).scalar_one_or_none()


def paid_active(session: Session, ids: Iterable[int]) -> list[Receivable]:
    """Among ``ids``, the active receivables whose balance is zero (to be settled)."""
    return _chunked(session, _ids_where(session, ids, lambda balance, stage:
                                        balance == 0 and stage in ACTIVE_STAGES))


def owing_paid(session: Session, ids: Iterable[int]) -> list[Receivable]:
    """Among ``ids``, those marked paid that owe money again (to be reopened)."""
    return _chunked(session, _ids_where(session, ids, lambda balance, stage:
                                        balance > 0 and stage == "paid"))


def _ids_where(session: Session, ids: Iterable[int],
               keep: Callable[[Decimal, str], bool]) -> list[int]:
    """The ids whose (balance, stage) ``keep`` accepts, read by primary key alone: with the
    stage in the WHERE beside an IN list of hundreds of ids, SQLite walks
    ix_receivable_stage_due (every active receivable, seconds a chunk at a million rows)
    instead of the primary key."""
    t = Receivable.__table__
    kept: list[int] = []
    for chunk in chunks(sorted(ids)):
        rows = session.execute(select(t.c.id, t.c.balance, t.c.stage).where(t.c.id.in_(chunk)))
        kept.extend(row.id for row in rows if keep(row.balance, row.stage))
    return kept


def _chunked(session: Session, ids: list[int], *conditions: Any) -> list[Receivable]:
    found: list[Receivable] = []
    for chunk in chunks(ids):
        stmt = select(Receivable).where(Receivable.id.in_(chunk), *conditions)  # type: ignore[union-attr]
        found.extend(session.execute(stmt).scalars())
    return found
