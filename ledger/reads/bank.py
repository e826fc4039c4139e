"""Bank lines as `arflow bank lines --json`, the cash-application page and the API show
them: the line, its customer (when applied), and its matches (proposed options, or what
was applied), each match with its invoice number and customer code."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import Session

from ledger.bulk import chunks
from ledger.models import BankLine, BankMatch, Customer, Receivable
from ledger.reads.paging import page

L, M, C, R = BankLine.__table__, BankMatch.__table__, Customer.__table__, Receivable.__table__
STATUSES = ("unmatched", "proposed", "applied")


@dataclass(frozen=True)
class MatchRow:
    option: int
    invoice: str | None  # None: unapplied credit on the customer
    customer: str | None  # the customer's code
    amount: Decimal
    charges: Decimal
    confidence: Decimal
    reason: str
    state: str  # proposed | applied | rejected
    reason_key: str = ""
    reason_params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"option": self.option, "invoice": self.invoice, "customer": self.customer,
                "amount": self.amount, "charges": self.charges,
                "confidence": self.confidence, "reason": self.reason, "state": self.state}


@dataclass(frozen=True)
class LineRow:
    id: int
    date: date
    amount: Decimal
    currency: str
    payer_name: str
    payer_account: str
    text: str
    status: str
    customer: str | None  # the customer's code once applied
    applied_on: date | None
    charges: Decimal
    bank_ref: str
    account: str
    matches: list[MatchRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["matches"] = [m.as_dict() for m in self.matches]
        return data


def _select() -> Select[Any]:
    return (select(L.c.id, L.c.date, L.c.amount, L.c.currency, L.c.payer_name,
                   L.c.payer_account, L.c.text, L.c.status, C.c.code.label("customer"),
                   L.c.applied_on, L.c.charges, L.c.bank_ref, L.c.account)
            .select_from(L.outerjoin(C, C.c.id == L.c.customer_id)))


def listing(session: Session, *, status: str | None = None, limit: int | None = None,
            offset: int = 0) -> tuple[list[LineRow], int]:
    """Lines in the order they came (by id), with their matches; ``status`` filters."""
    stmt = _select()
    if status is not None:
        stmt = stmt.where(L.c.status == status)
    rows, total = page(session, stmt.order_by(L.c.id), limit, offset)
    matches = _matches(session, [row.id for row in rows])
    return [LineRow(**row._mapping, matches=matches.get(row.id, [])) for row in rows], total


def one(session: Session, line_id: int) -> LineRow | None:
    row = session.execute(_select().where(L.c.id == line_id)).first()
    if row is None:
        return None
    return LineRow(**row._mapping, matches=_matches(session, [line_id]).get(line_id, []))


def _matches(session: Session, line_ids: list[int]) -> dict[int, list[MatchRow]]:
    out: dict[int, list[MatchRow]] = {}
    for chunk in chunks(line_ids):
        stmt = (select(M.c.line_id, M.c.option, R.c.number.label("invoice"),
                       C.c.code.label("customer"), M.c.amount, M.c.charges, M.c.confidence,
                       M.c.reason, M.c.state, M.c.details)
                .select_from(M.outerjoin(R, R.c.id == M.c.receivable_id)
                             .outerjoin(C, C.c.id == M.c.customer_id))
                .where(M.c.line_id.in_(chunk)).order_by(M.c.line_id, M.c.option, M.c.id))
        for row in session.execute(stmt):
            details = row.details or {}
            out.setdefault(row.line_id, []).append(MatchRow(
                option=row.option, invoice=row.invoice, customer=row.customer,
                amount=row.amount, charges=row.charges, confidence=row.confidence,
                reason=row.reason, state=row.state, reason_key=details.get("key", ""),
                reason_params=details.get("params") or {}))
    return out
