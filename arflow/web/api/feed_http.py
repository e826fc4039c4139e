"""The HTTP side of the feed, shared by the customers, receivables and payments routers:
one upsert or a batch, in one transaction, settled at once, answered with the stable codes.

Rejections: 422 with the first problem as ``error`` (``field`` like ``items.3.amount``) and
``errors`` listing every bad field of every row; over 10,000 rows: 413 ``batch_too_large``;
the same key inserted meanwhile by a concurrent request: 409 ``conflict`` (retry it).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BaseModel

from arflow.auth import Principal
from arflow.web.api.feed_rows import FeedRejected, run
from arflow.web.api.schemas_feed import MAX_BATCH, FeedErrorBody
from arflow.web.errors import ApiError, ErrorBody
from arflow.web.responses import MoneyJSONResponse
from ledger.db import IntegrityError, Session
from ledger.importers import ImportResult
from workflows.actions import Settlement, settle_touched

# a query filter: any text but NUL (PostgreSQL refuses it in a string)
Filter = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")]


async def _book_currency(request: Request) -> str:
    """The settings' ``book_currency``: the currency of a receivable or payment that gives
    none (for a payment, after its invoice's and its customer's)."""
    return request.app.state.settings.book_currency  # type: ignore[no-any-return]


BookCurrency = Annotated[str, Depends(_book_currency)]


def write_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a feed route: 422 with the row list, the others plain errors."""
    out: dict[int | str, dict[str, Any]] = {
        s: {"model": ErrorBody, "description": "error"} for s in statuses
    }
    out[400] = {"model": ErrorBody, "description": "the body is not UTF-8 JSON"}
    out[422] = {"model": FeedErrorBody, "description": "rejected: every bad row listed, "
                                                       "nothing written"}
    return out


def rejected(exc: FeedRejected) -> MoneyJSONResponse:
    first = exc.problems[0]
    message = f"{first.field}: {first.message}"
    if len(exc.problems) > 1:
        message += f" (and {len(exc.problems) - 1} more); nothing written"
    return MoneyJSONResponse({
        "error": {"code": first.code, "message": message, "field": first.field},
        "errors": [{"index": p.index, "field": p.field, "code": p.code, "message": p.message}
                   for p in exc.problems],
    }, status_code=422)


def upsert(session: Session, kind: str, items: list[dict[str, Any]], who: Principal,
           today: date, *, single: bool, book_currency: str = "CNY"
           ) -> tuple[ImportResult, Settlement]:
    """Validate and write ``items``, settle what they paid, commit; FeedRejected if bad."""
    if len(items) > MAX_BATCH:
        raise ApiError(413, "batch_too_large",
                       f"{len(items):,} rows: a batch takes at most {MAX_BATCH:,}", "items")
    try:
        result = run(session, kind, items, single=single, book_currency=book_currency)
        settlement = settle_touched(session, result.touched_receivables, today, who.actor)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ApiError(409, "conflict", "another request wrote the same record meanwhile; "
                                        "send it again") from None
    return result, settlement


def batch(session: Session, kind: str, items: list[BaseModel], who: Principal, today: date,
          book_currency: str = "CNY") -> MoneyJSONResponse:
    """``POST /<kind>/batch``: counts of created, updated, unchanged (and settled)."""
    if len(items) > MAX_BATCH:
        raise ApiError(413, "batch_too_large",
                       f"{len(items):,} rows: a batch takes at most {MAX_BATCH:,}", "items")
    rows = [item.model_dump(exclude_none=True) for item in items]
    try:
        result, settlement = upsert(session, kind, rows, who, today, single=False,
                                    book_currency=book_currency)
    except FeedRejected as exc:
        return rejected(exc)
    return MoneyJSONResponse({
        "rows": result.rows, "created": result.inserted, "updated": result.updated,
        "unchanged": result.unchanged, "settled": settlement.settled,
        "reopened": settlement.reopened,
    })


def status_of(result: ImportResult) -> int:
    """201 when the record was created, 200 when updated or unchanged."""
    return 201 if result.inserted else 200
