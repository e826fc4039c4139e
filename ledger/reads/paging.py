"""What every listing shares: one page and its count, the collector scope, a LIKE pattern."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func
from sqlmodel import Session

from ledger.models import Customer

C = Customer.__table__


def page(session: Session, stmt: Select[Any], limit: int | None, offset: int = 0
         ) -> tuple[list[Any], int]:
    """One page of ``stmt`` (ordered) and the count of all its rows; without ``limit`` and
    ``offset`` every row (counted as fetched: no count query)."""
    if limit is None and not offset:
        rows = list(session.execute(stmt))
        return rows, len(rows)
    total = session.execute(
        stmt.with_only_columns(func.count(), maintain_column_froms=False).order_by(None)
    ).scalar_one()
    rows = list(session.execute(stmt.limit(limit).offset(offset))) if total > offset else []
    return rows, total


def scoped(stmt: Select[Any], scope: str | None) -> Select[Any]:
    """Only the customers of collector ``scope`` (None: every customer); ``stmt`` selects
    from the customer table."""
    return stmt if scope is None else stmt.where(C.c.collector == scope)


def like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
