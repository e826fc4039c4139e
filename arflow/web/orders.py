"""Order checks and recorded orders over the API (the same workflow as `arflow order`).

``POST /orders/check`` decides and records nothing. ``POST /orders`` checks and records;
it is idempotent by order number: the same number with the same customer, amount and
currency answers 200 with the order already recorded (an ERP may retry), the same number
with anything else is 409 ``conflict``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from arflow.auth import Principal
from arflow.web import deps
from arflow.web.auth import ensure_visible, permitted
from arflow.web.errors import ApiError, documented, refused
from arflow.web.responses import ExactRoute, MoneyJSONResponse
from engine.currency import UnknownCurrency, normalize_currency
from ledger import order_store
from ledger.db import IntegrityError, Session
from ledger.models import SalesOrder
from ledger.money import CENT, parse_money

router = APIRouter(prefix="/orders", tags=["orders"], route_class=ExactRoute)


async def _book_currency(request: Request) -> str:
    """settings.book_currency: what exposure and limits are stated in."""
    return request.app.state.settings.book_currency  # type: ignore[no-any-return]


BookCurrency = Annotated[str, Depends(_book_currency)]


def _amount(value: Any) -> Decimal:
    """A positive amount with at most two decimals, from a JSON string or number."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise PydanticCustomError("invalid_amount", "amount must be a number or a string")
    try:
        amount = parse_money(value, allow_zero=False)
    except ValueError as exc:
        raise PydanticCustomError("invalid_amount", "{reason}", {"reason": str(exc)}) from None
    return amount.quantize(CENT)


def _currency(value: Any) -> str:
    """The ISO code (``rmb`` is CNY: engine/currency)."""
    try:
        if not isinstance(value, str):
            raise UnknownCurrency(f"not a currency: {value!r}")
        return normalize_currency(value)
    except UnknownCurrency as exc:
        raise PydanticCustomError("invalid_currency", "{reason}",
                                  {"reason": str(exc)}) from None


Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$"},
                              {"type": "number", "exclusiveMinimum": 0}],
                    "description": "More than 0, at most two decimals; a string keeps any "
                                   "size exact.", "examples": ["1250.00"]}),
]
Currency = Annotated[
    str,
    BeforeValidator(_currency),
    WithJsonSchema({"type": "string", "default": "CNY", "description": "ISO 4217 code, or "
                    "a common way of writing one (RMB, 人民币, US$)."}),
]
Money = Annotated[Decimal, WithJsonSchema({"type": "number", "description": "exact, 2 decimals"})]


class OrderCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: str = Field(min_length=1, max_length=64, description="Customer code.")
    amount: Amount
    currency: Currency = "CNY"


class OrderIn(OrderCheckIn):
    number: str = Field(pattern=r"^\S{1,64}$", description="The order number (unique).")


class RateUsed(BaseModel):
    rate: Decimal = Field(description="Units of the book currency per unit.")
    on: date = Field(description="The day of the rate (the latest on or before today).")


class OrderCheckOut(BaseModel):
    decision: str = Field(description="approve | prepay | hold | reject (the strictest wins)")
    fired: list[str] = Field(description="Ids of the order checks that fired, policy order.")
    exposure_after: Money = Field(description="In exposure_currency.")
    exposure_currency: str = Field(description="The book currency (settings book_currency).")
    prepayment_amount: Money = Field(description="In the order's currency.")
    amount_converted: Money | None = Field(
        default=None, description="The order in the book currency, when it is in another.")
    converted_at: date | None = Field(default=None, description="When another currency was "
                                      "converted: the day of the figures.")
    rates: dict[str, RateUsed] | None = Field(default=None, description="The rate used for "
                                              "each currency converted.")
    note: str | None = Field(default=None, description='e.g. "CNY (USD converted at 7.10 '
                             'on 2026-11-30)".')


class OrderOut(OrderCheckOut):
    number: str
    customer: str
    amount: Money
    currency: str
    status: str = Field(description="approved | prepay | held | rejected | invoiced | "
                                    "cancelled")
    created_on: date


def _unknown_customer(message: str) -> ApiError:
    return ApiError(404, "unknown_customer", message or "no customer", "customer")


@contextmanager
def _order_refusals(session: Session) -> Iterator[None]:
    """``refused``, with the order endpoints' own code for the one thing that can be
    missing here: the customer (404 ``unknown_customer``)."""
    try:
        with refused(session):
            yield
    except ApiError as exc:
        if exc.status == 404 and exc.code == "not_found":
            raise _unknown_customer(exc.message) from None
        raise


def _ensure_customer_visible(session: Session, who: Principal, code: str) -> None:
    """A collector orders only for their own customers; another's answers exactly as an
    unknown customer does (nothing about it, its exposure or its orders is shown)."""
    if who.sees_all:
        return
    collector = order_store.customer_collector(session, code)
    ensure_visible(who, collector, _unknown_customer(f"no customer {code!r}"))


@router.post("/check", response_model=OrderCheckOut,
             responses=documented(401, 403, 404, 422, 503))
def check_order(
    body: OrderCheckIn,
    session: deps.DbSession,
    policy: deps.PolicyInForce,
    today: deps.Today,
    who: permitted("orders"),
    book: BookCurrency,
) -> MoneyJSONResponse:
    """What the policy decides for this order now; nothing is recorded."""
    from workflows.orders import check

    _ensure_customer_visible(session, who, body.customer)
    with _order_refusals(session):
        result = check(session, policy, body.customer, body.amount, body.currency, today,
                       book)
    return MoneyJSONResponse(result.as_dict())


def _order_out(order: SalesOrder, code: str, book: str) -> dict[str, Any]:
    return {
        "number": order.number, "customer": code, "amount": order.amount,
        "currency": order.currency, "status": order.status, "decision": order.decision,
        "fired": list(order.fired), "exposure_after": order.exposure_after,
        "exposure_currency": book,
        "prepayment_amount": order.prepayment_amount, "created_on": order.created_on,
    }


def _existing(session: Session, body: OrderIn, who: Principal, book: str
              ) -> MoneyJSONResponse | None:
    """The order already recorded under this number (200), 409 if it differs, else None.

    Order numbers are unique across the book (an ERP's numbers), so a number taken by
    another collector's order cannot be recorded again, and that it is taken cannot be
    hidden from whoever tries it. What is hidden is everything else: a collector's 409 is
    the same few words whether the number is one of their own orders with another body or
    someone else's (nothing about its customer, amount or currency, not even whether it
    is theirs), so the answer is no oracle for another collector's orders. Only the same
    order again (a retry) answers 200, and only for the caller's own customer (the body
    names it, and other collectors' customers are refused before this as unknown). Those
    who see every customer get the detail."""
    row = order_store.order_with_customer(session, body.number)
    if row is None:
        return None
    order, code, _collector = row
    same = (code, order.amount, order.currency) == (body.customer, body.amount, body.currency)
    if same:  # the caller's own customer: checked visible before this
        return MoneyJSONResponse(_order_out(order, code, book), status_code=200)
    if not who.sees_all:
        raise ApiError(409, "conflict", f"order {body.number} exists", "number")
    raise ApiError(409, "conflict",
                   f"order {body.number} exists with another customer, amount or "
                   f"currency ({code} {order.amount} {order.currency})", "number")


@router.post("", response_model=OrderOut, status_code=201,
             responses={200: {"model": OrderOut, "description": "already recorded (a retry)"},
                        **documented(401, 403, 404, 409, 422, 503)})
def add_order(
    body: OrderIn,
    session: deps.DbSession,
    policy: deps.PolicyInForce,
    today: deps.Today,
    who: permitted("orders"),
    book: BookCurrency,
) -> MoneyJSONResponse:
    """Check and record an order with its decision; a held order waits for release."""
    from workflows.orders import add

    _ensure_customer_visible(session, who, body.customer)
    again = _existing(session, body, who, book)
    if again is not None:
        return again
    try:
        with _order_refusals(session):
            order = add(session, policy, body.customer, body.amount, body.number, today,
                        who.actor, body.currency, book)
            out = _order_out(order, body.customer, book)
            session.commit()
    except (ApiError, IntegrityError) as exc:
        if isinstance(exc, ApiError) and exc.code == "unknown_customer":
            raise
        session.rollback()  # the same number recorded meanwhile by a concurrent request?
        again = _existing(session, body, who, book)
        if again is not None:
            return again
        raise
    return MoneyJSONResponse(out, status_code=201)
