"""/api/v1/warnings: risk warnings the rules raised, newest first, scoped to the caller."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from arflow.web import deps
from arflow.web.api.feed_http import Filter
from arflow.web.api.schemas_reads import WarningOut, warning_out
from arflow.web.auth import Caller, customer_scope
from arflow.web.errors import documented
from arflow.web.pagination import PageOut, Paging, envelope
from arflow.web.responses import MoneyJSONResponse
from ledger.reads import warnings as reads

router = APIRouter(prefix="/warnings", tags=["warnings"])
Level = Literal["red", "orange", "yellow"]


@router.get("", response_model=PageOut[WarningOut], responses=documented(401, 422))
def list_warnings(
    request: Request, db: deps.DbSession, who: Caller, paging: Paging,
    level: Annotated[Level | None, Query()] = None,
    open: Annotated[bool | None, Query(description="true: open only; false: closed only")
                    ] = None,
    customer: Filter = None,
) -> MoneyJSONResponse:
    """Warnings by level, open or closed, of one customer."""
    rows, total = reads.listing(db, scope=customer_scope(who), level=level, is_open=open,
                                customer=customer, newest_first=True, limit=paging.limit,
                                offset=paging.offset)
    items = [warning_out(r) for r in rows]
    return MoneyJSONResponse(envelope(request, items, total, paging))
