"""Write-offs: the listing (status, customer; collector scope, paging) and one receivable's,
each with the receivable as it is now (balance, stage), for the CLI, the pages and the API.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import Session

from ledger.models import Customer, Receivable, WriteOff
from ledger.reads.paging import page, scoped

C, R, W = Customer.__table__, Receivable.__table__, WriteOff.__table__
STATUSES = ("proposed", "approved", "rejected")


@dataclass(frozen=True)
class WriteOffRow:
    id: int
    invoice: str
    customer_code: str
    customer_name: str
    collector: str | None
    amount: Decimal
    currency: str
    reason: str
    status: str  # proposed | approved | rejected
    proposed_by: str
    proposed_on: date
    decided_by: str
    decided_on: date | None
    decision_note: str
    balance: Decimal  # the receivable's balance now
    stage: str  # the receivable's stage now

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _select() -> Select[Any]:
    return (select(W.c.id, R.c.number.label("invoice"), C.c.code.label("customer_code"),
                   C.c.name.label("customer_name"), C.c.collector, W.c.amount, R.c.currency,
                   W.c.reason, W.c.status, W.c.proposed_by, W.c.proposed_on, W.c.decided_by,
                   W.c.decided_on, W.c.decision_note, R.c.balance, R.c.stage)
            .select_from(W.join(R, R.c.id == W.c.receivable_id)
                         .join(C, C.c.id == R.c.customer_id)))


def listing(session: Session, *, status: str | None = None, scope: str | None = None,
            invoice: str | None = None, limit: int | None = None, offset: int = 0
            ) -> tuple[list[WriteOffRow], int]:
    """Proposals waiting for a decision oldest first (a queue); decided ones newest first.
    ``scope``: a collector's customers only."""
    stmt = scoped(_select(), scope)
    if status is not None:
        stmt = stmt.where(W.c.status == status)
    if invoice is not None:
        stmt = stmt.where(R.c.number == invoice)
    if status == "proposed":
        stmt = stmt.order_by(W.c.proposed_on, W.c.id)
    else:
        stmt = stmt.order_by(W.c.id.desc())
    rows, total = page(session, stmt, limit, offset)
    return [WriteOffRow(**row._mapping) for row in rows], total


def one(session: Session, writeoff_id: int) -> WriteOffRow | None:
    row = session.execute(_select().where(W.c.id == writeoff_id)).first()
    return None if row is None else WriteOffRow(**row._mapping)


def of_receivable(session: Session, receivable_id: int) -> list[WriteOffRow]:
    """The receivable's write-offs, oldest first (its page and its API read)."""
    stmt = _select().where(W.c.receivable_id == receivable_id).order_by(W.c.id)
    return [WriteOffRow(**row._mapping) for row in session.execute(stmt)]
