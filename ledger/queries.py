"""Read-only queries for the CLI's outbox (``arflow outbox``), and the customers listing
the credit pages read (the read models of customers, receivables, payments and warnings
are ledger/reads/)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from ledger.models import Customer, Outbox
from ledger.reads import customers as reads_customers


def customers(session: Session) -> list[dict[str, Any]]:
    """Every customer's open balance (every currency added up) and unapplied credit, as
    arflow/web/pages/credit.py reads it; built on ledger/reads/customers.listing."""
    rows, _ = reads_customers.listing(session, date.min)  # the day only dates ``overdue``
    return [
        {
            "code": row.code,
            "name": row.name,
            "segment": row.segment,
            "country": row.country,
            "language": row.language,
            "collector": row.collector,
            "rating": row.rating,
            "credit_limit": row.credit_limit,
            "open_receivables": row.sums.open_receivables,
            "open_balance": row.sums.open_balance,
            "unapplied_credit": row.sums.unapplied_credit,
        }
        for row in rows
    ]


def outbox(session: Session, status: str | None = None, limit: int | None = None
           ) -> list[dict[str, Any]]:
    """Messages for `arflow outbox --json` (the field names scripts rely on)."""
    t, c = Outbox.__table__, Customer.__table__
    stmt = (select(t, c.c.code).select_from(t.join(c, c.c.id == t.c.customer_id))
            .order_by(t.c.id))
    if status:
        stmt = stmt.where(t.c.status == status)
    if limit:
        stmt = stmt.limit(limit)
    return [_message(row) for row in session.execute(stmt)]


def outbox_message(session: Session, outbox_id: int) -> dict[str, Any] | None:
    t, c = Outbox.__table__, Customer.__table__
    row = session.execute(select(t, c.c.code).select_from(t.join(c, c.c.id == t.c.customer_id))
                          .where(t.c.id == outbox_id)).first()
    if row is None:
        return None
    return {**_message(row), "subject": row.subject, "text": row.body_text,
            "html": row.body_html, "message_id": row.message_id}


def _message(row: Any) -> dict[str, Any]:
    return {"id": row.id, "key": row.key, "customer_code": row.code, "for_date": row.for_date,
            "template": row.template, "language": row.language, "to": row.to_addr,
            "cc": list(row.cc or []), "status": row.status,
            "items": [_demanded(i, row.template) for i in row.items],
            "other_items": [{"invoice": i["invoice"], "days_overdue": i.get("days_overdue"),
                             "balance": i.get("balance"), "currency": i.get("currency")}
                            for i in row.other_items or []],
            "attach": list(row.attach or []),
            "attempts": row.attempts, "last_error": row.last_error,
            "sent_at": row.sent_at, "next_attempt_at": row.next_attempt_at}


def _demanded(item: dict[str, Any], template: str) -> dict[str, Any]:
    """A demanded item as scripts see it; ``interest`` (a string) only when the policy
    shows interest in notices (workflows/reminders)."""
    shown = {"invoice": item["invoice"], "step": item["step"], "template": template,
             "days_overdue": item.get("days_overdue")}
    if "interest" in item:
        shown["interest"] = item["interest"]
    return shown
