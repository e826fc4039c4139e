"""/api/v1/payments: the ERP upserts payments by reference; they settle what they pay at once.

A payment pays the invoice it names, else the customer's open invoices oldest-due first;
what is left stays unapplied credit; a corrected payment is re-applied (and what it no
longer pays reopens). Each invoice paid in full goes to ``paid`` now, through the
lifecycle, with its unsent reminders withdrawn and its open warnings closed, audited as
``api:<token>``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

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
from arflow.web.api.schemas_feed import BatchResult, PaymentBatch, PaymentFields
from arflow.web.api.schemas_reads import PaymentDetail, PaymentOut, allocation_out, payment_out
from arflow.web.auth import Caller, customer_scope, ensure_visible, permitted
from arflow.web.errors import ApiError, documented
from arflow.web.pagination import PageOut, Paging, envelope
from arflow.web.responses import ExactRoute, MoneyJSONResponse
from ledger.reads import payments as reads

router = APIRouter(prefix="/payments", tags=["payments"], route_class=ExactRoute)
Reference = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\s\x00]+$")]


def _detail(db: deps.DbSession, row: Any) -> dict[str, Any]:
    return {**payment_out(row),
            "allocations": [allocation_out(a) for a in reads.allocations(db, payment_id=row.id)]}


@router.get("", response_model=PageOut[PaymentOut], responses=documented(401, 422))
def list_payments(request: Request, db: deps.DbSession, who: Caller, paging: Paging,
                  customer: Filter = None) -> MoneyJSONResponse:
    """Payments, newest first."""
    rows, total = reads.listing(db, scope=customer_scope(who), customer=customer,
                                limit=paging.limit, offset=paging.offset)
    return MoneyJSONResponse(envelope(request, [payment_out(r) for r in rows], total, paging))


@router.get("/{reference}", response_model=PaymentDetail, responses=documented(401, 404, 422))
def get_payment(reference: Reference, db: deps.DbSession, who: Caller) -> MoneyJSONResponse:
    """One payment and the invoices it paid."""
    row = reads.one(db, reference)
    missing = ApiError(404, "not_found", f"no payment {reference!r}", "reference")
    if row is None:
        raise missing
    ensure_visible(who, row.collector, missing)
    return MoneyJSONResponse(_detail(db, row))


@router.put("/{reference}", response_model=PaymentDetail,
            responses={201: {"model": PaymentDetail, "description": "created"},
                       **write_responses(401, 403, 409, 413)})
def put_payment(reference: Reference, body: PaymentFields, db: deps.DbSession,
                who: permitted("ledger_write"), today: deps.Today,
                book: BookCurrency) -> MoneyJSONResponse:
    """Record or correct the payment ``reference`` and settle what it pays, now."""
    try:
        result, _ = upsert(db, "payments", [{"reference": reference, **body.model_dump()}],
                           who, today, single=True, book_currency=book)
    except FeedRejected as exc:
        return rejected(exc)
    row = reads.one(db, reference)
    return MoneyJSONResponse(_detail(db, row), status_code=status_of(result))


@router.post("/batch", response_model=BatchResult, responses=write_responses(401, 403, 409, 413))
def batch_payments(body: PaymentBatch, db: deps.DbSession, who: permitted("ledger_write"),
                   today: deps.Today, book: BookCurrency) -> MoneyJSONResponse:
    """Up to 10,000 payments in one transaction, applied in date order, settled at once."""
    return batch(db, "payments", list(body.items), who, today, book)
