"""One row by its key, optionally held for update: the look-up every store repeats."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlmodel import Session

Row = TypeVar("Row")


def one_by(session: Session, model: type[Row], column: Any, value: object, missing: str,
           *, lock: bool = False) -> Row:
    """The ``model`` row whose ``column`` is ``value``, else LookupError(``missing``).
    ``lock``: hold the row (PostgreSQL ``FOR UPDATE``) until the transaction ends."""
    stmt = select(model).where(column == value)
    if lock:
        stmt = stmt.with_for_update()
    found = session.execute(stmt).scalar_one_or_none()
    if found is None:
        raise LookupError(missing)
    return found  # type: ignore[no-any-return]
