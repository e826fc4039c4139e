"""/api/v1 customer promises and payment plans (the customer page's forms call the same
``act_on_promises``): record a promise on the account, record a plan of instalments, list
the customer's promises and plans with their status.

The promise on one invoice stays ``POST /receivables/{number}/promises`` (actions.py).
A refusal is ``{"error": {code, message, field}}``: ``field`` is ``date``, ``amount``,
``invoices`` or ``instalments``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from arflow.auth import Principal
from arflow.days import Day
from arflow.web import deps
from arflow.web.api.actions import NO_NUL, Code, visible_customer
from arflow.web.auth import permitted
from arflow.web.errors import documented, refused
from arflow.web.orders import Amount, Money
from arflow.web.responses import ExactRoute, MoneyJSONResponse
from ledger.db import Session
from ledger.reads import promises as reads
from workflows import promises
from workflows.promises import MAX_INSTALMENTS, Recorded

router = APIRouter(tags=["promises"], route_class=ExactRoute)
Collector = permitted("collect")
ERRORS = documented(401, 403, 404, 409, 422)
Invoice = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\s\x00]+$")]
Status = Annotated[str | None, Query(pattern="^(open|kept|broken|cancelled)$",
                                     description="open, kept, broken or cancelled")]


def act_on_promises(db: Session, who: Principal, today: dt.date, code: str,
                    action: Callable[..., Recorded], **kwargs: Any) -> Recorded:
    """Check the caller may see the customer, record, commit; what was recorded."""
    visible_customer(db, who, code, today)
    with refused(db):
        done = action(db, code=code, on_date=today, actor=who.actor, **kwargs)
        db.commit()
    return done


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerPromiseIn(_In):
    date: Day = Field(description="The day the customer promised to pay by.")
    amount: Amount | None = Field(
        default=None, description="None: all of what is covered (the invoices listed, else "
                                  "every open one).")
    invoices: list[Invoice] | None = Field(
        default=None, max_length=1000,
        description="Exactly these invoices; none: the customer's open invoices oldest due "
                    "first until their balances reach the amount.")


class InstalmentIn(_In):
    date: Day
    amount: Amount


class PlanIn(_In):
    instalments: list[InstalmentIn] = Field(
        min_length=1, max_length=MAX_INSTALMENTS,
        description="Dates strictly increasing from today; together at most what is covered.")
    invoices: list[Invoice] | None = Field(
        default=None, max_length=1000,
        description="Exactly these invoices; none: the customer's open invoices oldest due "
                    "first up to the plan's total.")
    note: str = Field(default="", max_length=2000, pattern=NO_NUL)


class PromiseOut(BaseModel):
    id: int
    customer_code: str
    receivables: list[str] = Field(description="The invoice numbers it covers.")
    date: dt.date
    amount: Money | None
    status: str = Field(description="open, kept, broken or cancelled")
    created_on: dt.date
    broken_on: dt.date | None
    balance_at_promise: Money | None


class InstalmentOut(BaseModel):
    id: int
    date: dt.date
    amount: Money | None
    status: str
    broken_on: dt.date | None


class PlanOut(BaseModel):
    id: int
    customer_code: str
    receivables: list[str]
    dates: list[dt.date]
    amounts: list[Money | None]
    total: Money
    status: str = Field(description="open, kept, broken or cancelled")
    created_on: dt.date
    created_by: str
    closed_on: dt.date | None
    note: str
    instalments: list[InstalmentOut]


class PromisesOut(BaseModel):
    promises: list[PromiseOut]
    plans: list[PlanOut]


C = "/customers/{code}"


@router.post(f"{C}/promises", response_model=PromiseOut, responses=ERRORS)
def record_promise(code: Code, body: CustomerPromiseIn, db: deps.DbSession,
                   today: deps.Today, who: Collector) -> MoneyJSONResponse:
    """Record the customer's promise to pay: the invoices it covers get no reminders
    until its date; kept when the customer's payments dated by then reach the amount."""
    done = act_on_promises(db, who, today, code, promises.record_customer_promise,
                           promised_date=body.date, amount=body.amount, invoices=body.invoices)
    [row] = reads.promises(db, ids=list(done.promise_ids))
    return MoneyJSONResponse(row.as_dict())


@router.post(f"{C}/plans", response_model=PlanOut, responses=ERRORS)
def record_plan(code: Code, body: PlanIn, db: deps.DbSession, today: deps.Today,
                who: Collector) -> MoneyJSONResponse:
    """Record a payment plan: the invoices it covers get no reminders while it is kept; a
    missed instalment breaks it (reminders resume, the collector gets a call task)."""
    done = act_on_promises(db, who, today, code, promises.record_plan,
                           instalments=[(i.date, i.amount) for i in body.instalments],
                           invoices=body.invoices, note=body.note)
    [row] = reads.plans(db, ids=[done.plan_id or 0])
    return MoneyJSONResponse(row.as_dict())


@router.get(f"{C}/promises", response_model=PromisesOut, responses=documented(401, 403, 404,
                                                                               422))
def list_promises(code: Code, db: deps.DbSession, today: deps.Today, who: Collector,
                  status: Status = None) -> MoneyJSONResponse:
    """The customer's promises and payment plans (with their instalments), newest first."""
    visible_customer(db, who, code, today)
    return MoneyJSONResponse({
        "promises": [p.as_dict() for p in reads.promises(db, customer=code, status=status)],
        "plans": [p.as_dict() for p in reads.plans(db, customer=code, status=status)]})
