"""Receivables and customers as the workflows' commands read them (workflows/actions.py
decides what changes): one by its number or code, those a payment settled or reopened."""

from __future__ import annotations

from collections.abc import Iterable
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
    return _chunked(session, sorted(ids), Receivable.balance == 0,
                    Receivable.stage.in_(ACTIVE_STAGES))  # type: ignore[attr-defined]


def owing_paid(session: Session, ids: Iterable[int]) -> list[Receivable]:
    """Among ``ids``, those marked paid that owe money again (to be reopened)."""
    return _chunked(session, sorted(ids), Receivable.balance > 0, Receivable.stage == "paid")


def _chunked(session: Session, ids: list[int], *conditions: Any) -> list[Receivable]:
    found: list[Receivable] = []
    for chunk in chunks(ids):
        stmt = select(Receivable).where(Receivable.id.in_(chunk), *conditions)  # type: ignore[union-attr]
        found.extend(session.execute(stmt).scalars())
    return found
