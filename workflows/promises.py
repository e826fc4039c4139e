"""Promises to pay coming due: each open promise whose date has passed is kept or broken.

Kept: the receivable is paid, or a promise of an amount saw the balance fall by at least
that amount since it was made. Broken otherwise, on the day after its date (the broken
promise is a fact the rules read). Each outcome is audited on the receivable.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ledger import promise_store
from ledger.audit import AuditEntry, write_audit
from ledger.db import Session
from ledger.promise_store import DuePromise


def expire_promises(session: Session, as_of: date, actor: str) -> tuple[int, int]:
    """Settle every open promise dated before ``as_of``; return (kept, broken)."""
    kept = broken = 0
    activities = []
    for promise in promise_store.open_past_date(session, as_of):
        if is_kept(promise):
            values: dict[str, Any] = {"status": "kept"}
            kept += 1
        else:
            values = {"status": "broken", "broken_on": promise.promised_date + timedelta(days=1)}
            broken += 1
        promise_store.set_promise(session, promise.id, **values)
        activities.append(
            AuditEntry(
                as_of,
                actor,
                f"promise_{values['status']}",
                "receivable",
                promise.receivable_id,
                promise.number,
                details={"promised_date": promise.promised_date.isoformat()},
            )
        )
    write_audit(session, activities)
    return kept, broken


def is_kept(promise: DuePromise) -> bool:
    """Paid in full, or (a promise of an amount) paid at least that much since."""
    if promise.balance == 0:
        return True
    if promise.amount is None or promise.balance_at_promise is None:
        return False
    return promise.balance_at_promise - promise.balance >= promise.amount
