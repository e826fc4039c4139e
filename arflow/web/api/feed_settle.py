"""After the feed writes: settle what is paid at once, not at the next daily cycle.

The same steps as `arflow import` (workflows/actions.py settle_paid / reopen_unpaid: the
stage through the lifecycle machine, unsent reminders withdrawn, audited), and then the
open warnings of each receivable now paid are closed, so a collector does not chase a
paid invoice until tomorrow's cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from ledger.feed import close_warnings, open_warnings_of_paid
from ledger.importers import ImportResult


@dataclass(frozen=True)
class Settlement:
    settled: int
    reopened: int
    warnings_closed: int


def settle(session: Session, result: ImportResult, today: date, actor: str) -> Settlement:
    """Settle, reopen and close warnings for the receivables ``result`` touched."""
    from workflows.actions import reopen_unpaid, settle_paid

    touched = result.touched_receivables
    if not touched:
        return Settlement(0, 0, 0)
    settled = settle_paid(session, touched, today, actor)
    reopened = reopen_unpaid(session, touched, today, actor)
    ended = open_warnings_of_paid(session, touched) if settled else []
    close_warnings(session, ended, today, actor, "paid")
    return Settlement(settled, reopened, len(ended))
