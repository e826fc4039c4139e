"""After the feed writes: settle what is paid at once, not at the next daily cycle.

The same steps as `arflow import` (workflows/actions.py settle_paid / reopen_unpaid: the
stage through the lifecycle machine, unsent reminders withdrawn, the open warnings of
each receivable now paid closed, all audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from ledger.importers import ImportResult


@dataclass(frozen=True)
class Settlement:
    settled: int
    reopened: int


def settle(session: Session, result: ImportResult, today: date, actor: str) -> Settlement:
    """Settle (closing their warnings) and reopen the receivables ``result`` touched."""
    from workflows.actions import reopen_unpaid, settle_paid

    touched = result.touched_receivables
    if not touched:
        return Settlement(0, 0)
    settled = settle_paid(session, touched, today, actor)
    reopened = reopen_unpaid(session, touched, today, actor)
    return Settlement(settled, reopened)
