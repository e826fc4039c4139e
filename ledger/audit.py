"""The audit trail: one ``AuditEntry`` per change of state, written by ``write_audit``.

Every command (workflows/) and the cycle's plan build entries; this module is the one
place that writes them, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from ledger.bulk import execute_many
from ledger.models import Activity

#: From this many rows on, the rows go through ``bulk.execute_many`` (the cycle's days);
#: fewer go through SQLAlchemy's statement cache.
BULK_ROWS = 100


@dataclass(frozen=True)
class AuditEntry:
    """One audit row: who did what to which entity, under which rule and policy."""

    on_date: date
    actor: str
    action: str
    entity: str
    entity_id: int | None
    subject: str
    rule_id: str = ""
    policy_hash: str = ""
    details: dict[str, Any] | None = None  # None: written as {}

    def row(self) -> dict[str, Any]:
        """The row as the ``activity`` table takes it (a shallow copy: no deep copying)."""
        row = dict(self.__dict__)
        if not row["details"]:
            row["details"] = {}
        return row


def write_audit(session: Session, entries: Sequence[AuditEntry]) -> None:
    """Audit rows: a few through SQLAlchemy's statement cache, many through executemany."""
    if not entries:
        return
    rows = [entry.row() for entry in entries]
    if len(rows) >= BULK_ROWS:
        execute_many(session, Activity.__table__.insert(), rows)
    else:
        session.execute(Activity.__table__.insert(), rows)
