"""What the credit manager's warnings board reads: open warnings with their customer.

(One query; ``queries.warnings`` serves the CLI and carries no customer, which a board
filtered by customer needs.)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from ledger.models import Customer, RiskWarning


def open_warnings(session: Session, level: str | None = None, customer: str | None = None,
                  limit: int = 2000) -> list[dict[str, Any]]:
    """Open warnings, oldest first, optionally of one level or one customer (by code)."""
    w, c = RiskWarning.__table__, Customer.__table__
    stmt = (
        select(w.c.id, w.c.rule_id, w.c.level, w.c.scope, w.c.subject, w.c.opened_on,
               c.c.code, c.c.name, c.c.collector)
        .select_from(w.join(c, c.c.id == w.c.customer_id))
        .where(w.c.closed_on.is_(None))
        .order_by(w.c.opened_on, w.c.id)
        .limit(limit)
    )
    if level:
        stmt = stmt.where(w.c.level == level)
    if customer:
        stmt = stmt.where(c.c.code == customer)
    return [
        {"id": row.id, "rule": row.rule_id, "level": row.level, "scope": row.scope,
         "subject": row.subject, "opened_on": row.opened_on, "customer": row.code,
         "customer_name": row.name, "collector": row.collector}
        for row in session.execute(stmt)
    ]
