"""/api/v1/customers: the ERP upserts customers by code; callers read the ones they may see.

Writes need ``ledger_write`` (system tokens, credit managers); reads any signed-in caller,
a collector only their own customers (another's answers 404, as a missing one does).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from arflow.web import deps
from arflow.web.api.feed_http import Filter, batch, rejected, status_of, upsert, write_responses
from arflow.web.api.feed_rows import FeedRejected
from arflow.web.api.interest import CustomerWithInterest, customer_interest
from arflow.web.api.schemas_feed import BatchResult, CustomerBatch, CustomerFields
from arflow.web.api.schemas_reads import CustomerOut, customer_out
from arflow.web.auth import Caller, customer_scope, ensure_visible, permitted
from arflow.web.errors import ApiError, documented
from arflow.web.pagination import PageOut, Paging, envelope
from arflow.web.responses import ExactRoute, MoneyJSONResponse
from ledger.reads import customers as reads

router = APIRouter(prefix="/customers", tags=["customers"], route_class=ExactRoute)
Code = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\s\x00]+$")]


def _stored(db: deps.DbSession, code: str, today: Any) -> dict[str, Any] | None:
    row = reads.one(db, code, today)
    return None if row is None else customer_out(row)


@router.get("", response_model=PageOut[CustomerOut], responses=documented(401, 422))
def list_customers(request: Request, db: deps.DbSession, who: Caller, paging: Paging,
                   today: deps.Today,
                   segment: Filter = None, collector: Filter = None, q: Filter = None
                   ) -> MoneyJSONResponse:
    """Customers by code; ``q`` finds a part of the code or name (any case)."""
    rows, total = reads.listing(db, today, scope=customer_scope(who), segment=segment,
                                collector=collector, q=q, limit=paging.limit,
                                offset=paging.offset, contacts=True)
    items = [customer_out(r) for r in rows]
    return MoneyJSONResponse(envelope(request, items, total, paging))


@router.get("/{code}", response_model=CustomerWithInterest,
            responses=documented(401, 404, 422))
def get_customer(code: Code, request: Request, db: deps.DbSession, who: Caller,
                 today: deps.Today) -> MoneyJSONResponse:
    """One customer with its open balance, overdue part, credit limit and rating."""
    found = _stored(db, code, today)
    missing = ApiError(404, "not_found", f"no customer {code!r}", "code")
    if found is None:
        raise missing
    ensure_visible(who, found["collector"], missing)
    owed = customer_interest(request, db, code, today)
    return MoneyJSONResponse(found | ({"interest": owed} if owed else {}))


@router.put("/{code}", response_model=CustomerOut,
            responses={201: {"model": CustomerOut, "description": "created"},
                       **write_responses(401, 403, 409, 413)})
def put_customer(code: Code, body: CustomerFields, db: deps.DbSession,
                 who: permitted("ledger_write"), today: deps.Today) -> MoneyJSONResponse:
    """Create or update the customer ``code`` (fields left out keep their stored value)."""
    try:
        result, _ = upsert(db, "customers", [{"code": code, **body.model_dump()}], who, today,
                           single=True)
    except FeedRejected as exc:
        return rejected(exc)
    return MoneyJSONResponse(_stored(db, code, today), status_code=status_of(result))


@router.post("/batch", response_model=BatchResult, responses=write_responses(401, 403, 409, 413))
def batch_customers(body: CustomerBatch, db: deps.DbSession, who: permitted("ledger_write"),
                    today: deps.Today) -> MoneyJSONResponse:
    """Up to 10,000 customers in one transaction: every row valid, or nothing written."""
    return batch(db, "customers", list(body.items), who, today)
