"""Insert-or-update by natural key in bulk, touching only rows that really changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlmodel import Session

from ledger.bulk import chunks, execute_many
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
    for chunk in chunks(keys):
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
    _update_grouped(session, table, updates)
    return outcome


def _update_grouped(session: Session, table: Table, updates: list[dict[str, Any]]) -> None:
    """One executemany per set of changed columns (not one UPDATE per row: 10,000 changed
    rows took 5 s on PostgreSQL one by one)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for values in updates:
        columns = tuple(sorted(k for k in values if k != "_id"))
        groups.setdefault(columns, []).append(values)
    for columns, rows in groups.items():
        statement = update(table).where(table.c.id == bindparam("_id")).values(
            {column: bindparam(f"v_{column}") for column in columns})
        execute_many(session, statement,
                     [{"_id": row["_id"], **{f"v_{c}": row[c] for c in columns}} for row in rows])
