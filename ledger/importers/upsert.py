"""Insert-or-update by natural key in bulk, touching only rows that really changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlmodel import Session

from ledger.models import utcnow


@dataclass
class UpsertOutcome:
    inserted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)


def existing_rows(session: Session, table: Table, key: str, keys: Sequence[str]) -> dict[str, Any]:
    """The stored rows for ``keys``, fetched in chunks (IN lists stay small)."""
    found: dict[str, Any] = {}
    column = table.c[key]
    for start in range(0, len(keys), 900):
        chunk = list(keys[start : start + 900])
        for row in session.execute(select(table).where(column.in_(chunk))):
            found[getattr(row, key)] = row
    return found


def upsert(
    session: Session, table: Table, key: str, records: Sequence[Mapping[str, Any]]
) -> UpsertOutcome:
    outcome = UpsertOutcome()
    stored = existing_rows(session, table, key, [r[key] for r in records])
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    now = utcnow()
    for record in records:
        old = stored.get(record[key])
        if old is None:
            row = dict(record)
            for stamp in ("created_at", "updated_at"):
                if stamp in table.c:
                    row[stamp] = now
            inserts.append(row)
            outcome.inserted.append(record[key])
            continue
        outcome.ids[record[key]] = old.id
        changed = {k: v for k, v in record.items() if getattr(old, k) != v}
        if not changed:
            outcome.unchanged.append(record[key])
            continue
        if "updated_at" in table.c:
            changed["updated_at"] = now
        updates.append({"_id": old.id, **changed})
        outcome.updated.append(record[key])
    if inserts:
        session.execute(table.insert(), inserts)
        for row in existing_rows(session, table, key, outcome.inserted).values():
            outcome.ids[getattr(row, key)] = row.id
    for values in updates:
        row_id = values.pop("_id")
        session.execute(
            update(table).where(table.c.id == bindparam("_id")), {"_id": row_id, **values}
        )
    return outcome
