"""The sent-message page's read, and the names arflow/web/api/actions.py imports.

A receivable's or customer's story is ledger/reads/timeline.py; the page headers are
ledger/reads/receivables.receivable_header and ledger/reads/customers.customer_header
(re-exported here for their callers).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from ledger.models import Customer
from ledger.queries import outbox_message
from ledger.reads.customers import customer_header
from ledger.reads.receivables import receivable_header

__all__ = ["customer_header", "message", "receivable_header"]


def message(session: Session, outbox_id: int) -> dict[str, Any] | None:
    """A message as it was written (or sent), with the collector of its customer."""
    found = outbox_message(session, outbox_id)
    if found is None:
        return None
    found["collector"] = session.execute(
        select(Customer.collector).where(Customer.code == found["customer_code"])).scalar()
    return found
