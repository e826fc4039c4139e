"""/api/v1/rates: the exchange rates into the book currency (``ledger_write``).

``GET`` lists them (``?currency=USD``: one currency); ``PUT`` records a batch of
``{date, currency, rate}`` (workflows/rates: every item checked first, nothing written on
any error, the same date+currency again updates its rate, audited ``rates_imported``).
Refusals: 422 ``invalid_input`` naming ``items[i]`` and the field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from arflow.web import deps
from arflow.web.auth import permitted
from arflow.web.errors import ApiError, documented, refused
from arflow.web.responses import ExactRoute, MoneyJSONResponse
from engine.currency import UnknownCurrency, normalize_currency
from ledger import fx_store
from workflows.rates import MAX_ROWS, import_rates

router = APIRouter(prefix="/rates", tags=["rates"], route_class=ExactRoute)
Writer = permitted("ledger_write")


class RateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: str = Field(max_length=32, description="The day (YYYY-MM-DD).",
                      examples=["2026-11-30"])
    currency: str = Field(max_length=16, description="ISO 4217 code or a common alias.",
                          examples=["USD"])
    rate: str | float = Field(description="Units of the book currency per 1 unit of "
                                          "currency, above 0, at most 6 decimals (a string "
                                          "keeps it exact).", examples=["7.10"])


class RatesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[RateIn] = Field(min_length=1, max_length=MAX_ROWS)


class RateOut(BaseModel):
    date: date
    currency: str
    rate: Decimal


class RatesOut(BaseModel):
    book_currency: str = Field(description="What the rates convert into (settings).")
    items: list[RateOut]


class RatesStored(BaseModel):
    book_currency: str
    added: int
    updated: int
    unchanged: int


def _book(request: Request) -> str:
    return request.app.state.settings.book_currency  # type: ignore[no-any-return]


@router.get("", response_model=RatesOut, responses=documented(401, 403, 422))
def list_rates(request: Request, db: deps.DbSession, who: Writer,
               currency: Annotated[str | None, Query(max_length=16)] = None
               ) -> MoneyJSONResponse:
    """Every stored rate (of one currency), by currency then day."""
    code = None
    if currency:
        try:
            code = normalize_currency(currency)
        except UnknownCurrency as exc:
            raise ApiError(422, "invalid_input", str(exc), "currency") from None
    rows = fx_store.listing(db, code)
    return MoneyJSONResponse({"book_currency": _book(request), "items": [
        {"date": r.on_date, "currency": r.currency, "rate": r.rate} for r in rows]})


@router.put("", response_model=RatesStored, responses=documented(401, 403, 422))
def put_rates(request: Request, body: RatesIn, db: deps.DbSession, today: deps.Today,
              who: Writer) -> MoneyJSONResponse:
    """Record a batch of rates: all of them, or none when one is wrong."""
    rows: list[tuple[str, dict[str, Any]]] = [
        (f"items[{i}]", item.model_dump()) for i, item in enumerate(body.items)]
    book = _book(request)
    with refused(db):
        stored = import_rates(db, rows, book, "api", today, who.actor)
        db.commit()
    return MoneyJSONResponse({"book_currency": book, "added": stored.added,
                              "updated": stored.updated, "unchanged": stored.unchanged})
