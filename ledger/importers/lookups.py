"""Lookups an importer needs before it writes anything (read-only, chunked IN lists)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, select
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES
from ledger.bulk import chunks
from ledger.models import Customer, Payment, Receivable


def mapping(
    session: Session, key: Column[Any], value: Column[Any], keys: Iterable[str]
) -> dict[str, Any]:
    """``{key: value}`` for the rows whose ``key`` is among ``keys``."""
    wanted = sorted({k for k in keys if k})
    found: dict[str, Any] = {}
    for chunk in chunks(wanted):
        stmt = select(key, value).where(key.in_(chunk))
        found.update({k: v for k, v in session.execute(stmt)})
    return found


def customer_ids(session: Session, codes: Iterable[str]) -> dict[str, int]:
    t = Customer.__table__
    return mapping(session, t.c.code, t.c.id, codes)


def invoices(session: Session, numbers: Iterable[str]) -> dict[str, tuple[int, str]]:
    """``{number: (customer id, currency)}`` of the named receivables."""
    t = Receivable.__table__
    found: dict[str, tuple[int, str]] = {}
    for chunk in chunks(sorted({n for n in numbers if n})):
        stmt = select(t.c.number, t.c.customer_id, t.c.currency).where(t.c.number.in_(chunk))
        found.update({n: (c, cur) for n, c, cur in session.execute(stmt)})
    return found


def open_currencies(session: Session, customer_ids: Iterable[int]) -> dict[int, set[str]]:
    """The currencies each customer owes in (receivables in an active stage with a balance)."""
    t = Receivable.__table__
    found: dict[int, set[str]] = {}
    for chunk in chunks(sorted(set(customer_ids))):
        stmt = (select(t.c.customer_id, t.c.currency).distinct()
                .where(t.c.customer_id.in_(chunk), t.c.stage.in_(ACTIVE_STAGES),
                       t.c.balance > 0))
        for customer_id, currency in session.execute(stmt):
            found.setdefault(customer_id, set()).add(currency)
    return found


def payment_currencies(session: Session, references: Iterable[str]) -> dict[str, str]:
    """The stored currency of the payments already recorded under ``references``."""
    t = Payment.__table__
    return mapping(session, t.c.reference, t.c.currency, references)
