"""/api/v1/receivables: the ERP upserts invoices by number; callers read what they may see.

An upsert whose balance reaches zero (the ERP says it is paid) settles the receivable at
once, as a payment does. A collector sees only their customers' receivables.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import Field

from arflow.days import Day
from arflow.web import deps
from arflow.web.api.feed_http import (
    BookCurrency,
    Filter,
    batch,
    rejected,
    status_of,
    upsert,
    write_responses,
)
from arflow.web.api.feed_rows import FeedRejected
from arflow.web.api.interest import InterestOut, receivable_interest
from arflow.web.api.schemas_feed import BatchResult, ReceivableBatch, ReceivableFields
from arflow.web.api.schemas_reads import (
    ReceivableDetail,
    ReceivableOut,
    allocation_out,
    receivable_out,
    step_out,
    warning_out,
)
from arflow.web.api.writeoffs import WriteOffOut, writeoff_out
from arflow.web.auth import Caller, customer_scope, ensure_visible, permitted
from arflow.web.errors import ApiError, documented
from arflow.web.pagination import PageOut, Paging, envelope
from arflow.web.responses import ExactRoute, MoneyJSONResponse
from engine.stages import ALL_STAGES
from ledger.reads import payments, receivables, warnings
from ledger.reads import writeoffs as writeoff_reads

router = APIRouter(prefix="/receivables", tags=["receivables"], route_class=ExactRoute)
Number = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\s\x00]+$")]
Stage = Literal[ALL_STAGES]  # type: ignore[valid-type]


class ReceivableRead(ReceivableDetail):
    writeoffs: list[WriteOffOut] = Field(
        description="Write-offs proposed, approved or rejected, oldest first (an approved "
                    "one took its amount off the balance).")
    interest: InterestOut | None = Field(
        default=None, description="Late-payment interest today; only when the policy has "
                                  "interest:.")


def _detail(db: deps.DbSession, row: Any) -> dict[str, Any]:
    return {
        **receivable_out(row),
        "history": [step_out(s) for s in receivables.stage_history(db, row.id, order="day")],
        "warnings": [warning_out(w) for w in warnings.of_receivable(db, row.id)],
        "payments": [allocation_out(a) for a in payments.allocations(db, receivable_id=row.id)],
        "writeoffs": [writeoff_out(w) for w in writeoff_reads.of_receivable(db, row.id)],
    }


@router.get("", response_model=PageOut[ReceivableOut], responses=documented(401, 422))
def list_receivables(
    request: Request, db: deps.DbSession, who: Caller, paging: Paging, today: deps.Today,
    customer: Filter = None,
    stage: Annotated[Stage | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="true: open and past due")] = None,
    due_before: Annotated[Day | None, Query(description="due strictly before this day")] = None,
) -> MoneyJSONResponse:
    """Receivables by due date, then number."""
    rows, total = receivables.listing(
        db, today, scope=customer_scope(who), customer=customer, stage=stage, overdue=overdue,
        due_before=due_before, limit=paging.limit, offset=paging.offset)
    items = [receivable_out(r) for r in rows]
    return MoneyJSONResponse(envelope(request, items, total, paging))


@router.get("/{number}", response_model=ReceivableRead, responses=documented(401, 404, 422))
def get_receivable(number: Number, request: Request, db: deps.DbSession, who: Caller,
                   today: deps.Today) -> MoneyJSONResponse:
    """Facts today (balance, days overdue, stage), the stage history, warnings, payments,
    write-offs."""
    row = receivables.one(db, number, today)
    missing = ApiError(404, "not_found", f"no receivable {number!r}", "number")
    if row is None:
        raise missing
    ensure_visible(who, row.collector, missing)
    owed = receivable_interest(request, db, row.id, today)
    return MoneyJSONResponse(_detail(db, row) | ({"interest": owed} if owed else {}))


@router.put("/{number}", response_model=ReceivableRead,
            responses={201: {"model": ReceivableRead, "description": "created"},
                       **write_responses(401, 403, 409, 413)})
def put_receivable(number: Number, body: ReceivableFields, db: deps.DbSession,
                   who: permitted("ledger_write"), today: deps.Today,
                   book: BookCurrency) -> MoneyJSONResponse:
    """Create or update the invoice ``number`` (the same body again changes nothing)."""
    try:
        result, _ = upsert(db, "receivables", [{"number": number, **body.model_dump()}], who,
                           today, single=True, book_currency=book)
    except FeedRejected as exc:
        return rejected(exc)
    row = receivables.one(db, number, today)
    return MoneyJSONResponse(_detail(db, row), status_code=status_of(result))


@router.post("/batch", response_model=BatchResult,
             responses=write_responses(401, 403, 409, 413))
def batch_receivables(body: ReceivableBatch, db: deps.DbSession, who: permitted("ledger_write"),
                      today: deps.Today, book: BookCurrency) -> MoneyJSONResponse:
    """Up to 10,000 invoices in one transaction: every row valid, or nothing written."""
    return batch(db, "receivables", list(body.items), who, today, book)
