"""Lookups an importer needs before it writes anything (read-only, chunked IN lists)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, select
from sqlmodel import Session

from ledger.bulk import chunks
from ledger.models import Customer, Receivable


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


def invoice_owners(session: Session, numbers: Iterable[str]) -> dict[str, int]:
    t = Receivable.__table__
    return mapping(session, t.c.number, t.c.customer_id, numbers)
