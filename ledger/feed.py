"""What the ERP feed needs beyond the importers: the warnings a payment ends, in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from ledger.bulk import chunks
from ledger.models import Receivable, RiskWarning


@dataclass(frozen=True)
class EndedWarning:
    id: int
    rule_id: str
    level: str
    subject: str
    receivable_id: int


def open_warnings_of_closed(session: Session, receivable_ids: Iterable[int], stage: str
                            ) -> list[EndedWarning]:
    """Open warnings on receivables among ``receivable_ids`` that are now at ``stage``
    (paid, written off): closed by the person's action, not left for the next cycle."""
    ids = sorted(set(receivable_ids))
    w, r = RiskWarning.__table__, Receivable.__table__
    found: list[EndedWarning] = []
    for chunk in chunks(ids):
        stmt = (
            select(w.c.id, w.c.rule_id, w.c.level, w.c.subject, w.c.receivable_id)
            .select_from(w.join(r, r.c.id == w.c.receivable_id))
            .where(w.c.receivable_id.in_(chunk))
            .where(w.c.closed_on.is_(None), r.c.stage == stage)
            .order_by(w.c.id)
        )
        found.extend(EndedWarning(*row) for row in session.execute(stmt))
    return found
