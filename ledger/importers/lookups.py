"""Lookups an importer needs before it writes anything (read-only)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session

from ledger.models import Customer


def customer_ids(session: Session, codes: Iterable[str]) -> dict[str, int]:
    wanted = sorted({c for c in codes if c})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        stmt = select(Customer.id, Customer.code).where(Customer.code.in_(chunk))  # type: ignore[attr-defined]
        found.update({code: cid for cid, code in session.execute(stmt)})
    return found
