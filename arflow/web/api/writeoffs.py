"""/api/v1 write-offs: propose one on a receivable, list them, approve or reject one
(workflows/writeoffs.py holds the rules; this module checks who is calling and formats).

Collectors (and systems) propose on the receivables they may see and list their
customers' write-offs; credit managers and admins approve or reject (anyone else: 403
``forbidden``, as the workflow answers). A refusal is ``{"error": {code, message,
field}}``: 404 ``not_found``; 409 ``writeoff_pending`` (one is already waiting),
``writeoff_decided``, ``balance_changed`` (a payment came since the proposal),
``illegal_move`` (paid or written off); 422 with ``field`` ``amount``, ``reason`` or
``note``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from arflow.auth import Principal
from arflow.web import deps
from arflow.web.api.actions import NO_NUL, Number, RowId, visible_receivable
from arflow.web.auth import Caller, customer_scope, ensure_visible, permitted
from arflow.web.errors import ApiError, documented, refused
from arflow.web.orders import Amount, Money
from arflow.web.pagination import PageOut, Paging, envelope
from arflow.web.responses import ExactRoute, MoneyJSONResponse
from ledger.db import Session
from ledger.reads import writeoffs as reads
from workflows import writeoffs

router = APIRouter(tags=["writeoffs"], route_class=ExactRoute)
Collector = permitted("collect")
ERRORS = documented(401, 403, 404, 409, 422)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WriteOffIn(_In):
    amount: Amount | None = Field(default=None,
                                  description="Part of the balance; none: all of it.")
    reason: str = Field(min_length=1, max_length=2000, pattern=NO_NUL,
                        description="Why it is lost (kept in the audit trail).")


class ApproveIn(_In):
    note: str = Field(default="", max_length=2000, pattern=NO_NUL)


class RejectIn(_In):
    note: str = Field(min_length=1, max_length=2000, pattern=NO_NUL,
                      description="Why the write-off is rejected.")


class WriteOffOut(BaseModel):
    id: int
    invoice: str
    customer_code: str
    amount: Money
    currency: str
    reason: str
    status: Literal["proposed", "approved", "rejected"]
    proposed_by: str
    proposed_on: date
    decided_by: str
    decided_on: date | None
    decision_note: str
    balance: Money = Field(description="The receivable's balance now.")
    stage: str = Field(description="The receivable's stage now (written_off once nothing "
                                   "is left).")


def writeoff_out(row: reads.WriteOffRow) -> dict[str, Any]:
    hidden = ("customer_name", "collector")
    return {k: v for k, v in row.as_dict().items() if k not in hidden}


def _visible(db: Session, who: Principal, writeoff_id: int) -> reads.WriteOffRow:
    found = reads.one(db, writeoff_id)
    missing = ApiError(404, "not_found", f"no write-off {writeoff_id}")
    if found is None:
        raise missing
    ensure_visible(who, found.collector, missing)
    return found


def propose(db: Session, who: Principal, today: date, number: str, reason: str,
            amount: Any) -> reads.WriteOffRow:
    """Check the caller may see the receivable, propose, commit; the proposal (the
    receivable page's form calls this too)."""
    visible_receivable(db, who, number, today)
    with refused(db):
        wid = writeoffs.propose_writeoff(db, number, reason, today, who.actor, amount)
        db.commit()
    return _visible(db, who, wid)


def decide(db: Session, who: Principal, today: date, writeoff_id: int, approve: bool,
           note: str) -> reads.WriteOffRow:
    """Approve or reject as ``who`` (their role decides whether they may), commit."""
    with refused(db):
        if approve:
            writeoffs.approve_writeoff(db, writeoff_id, today, who.actor, note,
                                       role=who.role)
        else:
            writeoffs.reject_writeoff(db, writeoff_id, note, today, who.actor, role=who.role)
        db.commit()
    return _visible(db, who, writeoff_id)


@router.post("/receivables/{number}/writeoffs", response_model=WriteOffOut, status_code=201,
             responses=ERRORS)
def propose_writeoff(number: Number, body: WriteOffIn, db: deps.DbSession, today: deps.Today,
                     who: Collector) -> MoneyJSONResponse:
    """Propose writing off part or all of the balance; it waits for a credit manager."""
    row = propose(db, who, today, number, body.reason, body.amount)
    return MoneyJSONResponse(writeoff_out(row), status_code=201)


@router.get("/writeoffs", response_model=PageOut[WriteOffOut], responses=documented(401, 422))
def list_writeoffs(
    request: Request, db: deps.DbSession, who: Caller, paging: Paging,
    status: Annotated[Literal["proposed", "approved", "rejected"] | None, Query()] = None,
    invoice: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")] = None,
) -> MoneyJSONResponse:
    """Write-offs: with ``status=proposed`` the queue, oldest first; else newest first."""
    rows, total = reads.listing(db, status=status, scope=customer_scope(who), invoice=invoice,
                                limit=paging.limit, offset=paging.offset)
    return MoneyJSONResponse(envelope(request, [writeoff_out(r) for r in rows], total, paging))


@router.get("/writeoffs/{writeoff_id}", response_model=WriteOffOut,
            responses=documented(401, 404, 422))
def get_writeoff(writeoff_id: RowId, db: deps.DbSession, who: Caller) -> MoneyJSONResponse:
    return MoneyJSONResponse(writeoff_out(_visible(db, who, writeoff_id)))


@router.post("/writeoffs/{writeoff_id}/approve", response_model=WriteOffOut, responses=ERRORS)
def approve(writeoff_id: RowId, body: ApproveIn, db: deps.DbSession, today: deps.Today,
            who: Caller) -> MoneyJSONResponse:
    """Take the amount off the balance (nothing left: the receivable is ``written_off``)."""
    return MoneyJSONResponse(writeoff_out(decide(db, who, today, writeoff_id, True,
                                                 body.note)))


@router.post("/writeoffs/{writeoff_id}/reject", response_model=WriteOffOut, responses=ERRORS)
def reject(writeoff_id: RowId, body: RejectIn, db: deps.DbSession, today: deps.Today,
           who: Caller) -> MoneyJSONResponse:
    """Turn the proposal down, saying why; the balance stays."""
    return MoneyJSONResponse(writeoff_out(decide(db, who, today, writeoff_id, False,
                                                 body.note)))
