"""/api/v1 collector actions on receivables and customers (the pages call the same
``act_*`` functions); a workflow's refusal becomes an API error in ``arflow.web.errors``.

Each action checks the caller may see the customer (404 otherwise, as if it did not
exist), runs the workflow function, and commits with its audit row (actor ``api:erp`` or
``web:li.na``); a refusal rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from arflow.auth import Principal
from arflow.days import Day
from arflow.web import deps
from arflow.web.auth import ensure_visible, permitted
from arflow.web.errors import ApiError, documented, refused
from arflow.web.orders import Amount, Money
from arflow.web.responses import ExactRoute, MoneyJSONResponse
from ledger.db import Session
from workflows import actions, promises

router = APIRouter(tags=["actions"], route_class=ExactRoute)
Outcome = Literal["reached", "no_answer", "left_message", "wrong_number"]
NO_NUL = r"^[^\x00]*$"  # PostgreSQL refuses NUL in text
Number = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\s\x00]+$")]
Code = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\s\x00]+$")]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # a task or message id (INTEGER)


def visible_receivable(db: Session, who: Principal, number: str, today: date
                       ) -> dict[str, Any]:
    from ledger.timeline import receivable_header

    found = receivable_header(db, number, today)
    if found is None:
        raise ApiError(404, "not_found", f"no receivable {number}")
    ensure_visible(who, found["collector"])
    return found


def visible_customer(db: Session, who: Principal, code: str, today: date) -> dict[str, Any]:
    from ledger.timeline import customer_header

    found = customer_header(db, code, today)
    if found is None:
        raise ApiError(404, "not_found", f"no customer {code}")
    ensure_visible(who, found["customer"].collector)
    return found


def act_on_receivable(db: Session, who: Principal, today: date, number: str,
                      action: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    """Check, act, commit; the receivable as it is now."""
    visible_receivable(db, who, number, today)
    with refused(db):
        action(db, number=number, on_date=today, actor=who.actor, **kwargs)
        db.commit()
    return _state(visible_receivable(db, who, number, today))


def act_on_customer(db: Session, who: Principal, today: date, code: str,
                    action: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    visible_customer(db, who, code, today)
    with refused(db):
        action(db, code=code, on_date=today, actor=who.actor, **kwargs)
        db.commit()
    customer = visible_customer(db, who, code, today)["customer"]
    return {"code": customer.code, "reminders_paused": customer.reminders_paused,
            "reminders_paused_until": customer.reminders_paused_until,
            "pause_reason": customer.pause_reason}


def legal_tasks(request: Request) -> list[Any]:
    """The tasks the policy in force opens on entering ``legal`` (none without a policy)."""
    policy = request.app.state.policy
    stage = policy.stage("legal") if policy is not None else None
    return list(stage.on_enter) if stage is not None else []


def _state(found: dict[str, Any]) -> dict[str, Any]:
    return {"number": found["number"], "customer": found["code"], "stage": found["stage"],
            "balance": found["balance"], "currency": found["currency"],
            "days_overdue": found["days_overdue"]}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CallIn(_In):
    outcome: Outcome
    note: str = Field(default="", max_length=2000, pattern=NO_NUL)


class NoteIn(_In):
    text: str = Field(min_length=1, max_length=4000, pattern=NO_NUL)


class PromiseIn(_In):
    date: Day = Field(description="The day the customer promised to pay by.")
    amount: Amount | None = Field(default=None, description="Part of the balance; none: all.")


class DisputeIn(_In):
    reason: str = Field(min_length=1, max_length=2000, pattern=NO_NUL)


class NoteOptionalIn(_In):
    note: str = Field(default="", max_length=2000, pattern=NO_NUL)


class PauseIn(_In):
    reason: str = Field(min_length=1, max_length=2000, pattern=NO_NUL)
    until: Day | None = Field(default=None, description="Reminders resume on this day.")


class ReceivableState(BaseModel):
    number: str
    customer: str
    stage: str
    balance: Money
    currency: str
    days_overdue: int


class CustomerState(BaseModel):
    code: str
    reminders_paused: bool
    reminders_paused_until: date | None
    pause_reason: str


def _receivable_json(*args: Any, **kwargs: Any) -> MoneyJSONResponse:
    return MoneyJSONResponse(act_on_receivable(*args, **kwargs))


def _customer_json(*args: Any, **kwargs: Any) -> MoneyJSONResponse:
    return MoneyJSONResponse(act_on_customer(*args, **kwargs))


ERRORS = documented(401, 403, 404, 409, 422)
Collector = permitted("collect")
R = "/receivables/{number}"


@router.post(f"{R}/calls", response_model=ReceivableState, responses=ERRORS)
def log_call(number: Number, body: CallIn, db: deps.DbSession, today: deps.Today,
             who: Collector) -> MoneyJSONResponse:
    """Log a call about the receivable (outcome and note); changes no state."""
    return _receivable_json(db, who, today, number, actions.log_call, outcome=body.outcome,
                            note=body.note)


@router.post(f"{R}/notes", response_model=ReceivableState, responses=ERRORS)
def add_note(number: Number, body: NoteIn, db: deps.DbSession, today: deps.Today,
             who: Collector) -> MoneyJSONResponse:
    """Add a note to the receivable's timeline."""
    return _receivable_json(db, who, today, number, actions.add_note, text=body.text)


@router.post(f"{R}/promises", response_model=ReceivableState, responses=ERRORS)
def record_promise(number: Number, body: PromiseIn, db: deps.DbSession, today: deps.Today,
                   who: Collector) -> MoneyJSONResponse:
    """Record a promise to pay: no reminders until its date passes unpaid."""
    return _receivable_json(db, who, today, number, promises.record_promise,
                            promised_date=body.date, amount=body.amount)


@router.post(f"{R}/disputes", response_model=ReceivableState, responses=ERRORS)
def open_dispute(number: Number, body: DisputeIn, db: deps.DbSession, today: deps.Today,
                 who: Collector) -> MoneyJSONResponse:
    """Open a dispute: the stage is held and unsent reminders are withdrawn."""
    return _receivable_json(db, who, today, number, actions.open_dispute, reason=body.reason)


@router.post(f"{R}/disputes/resolve", response_model=ReceivableState, responses=ERRORS)
def resolve_dispute(number: Number, body: NoteOptionalIn, db: deps.DbSession, today: deps.Today,
                    who: Collector) -> MoneyJSONResponse:
    """Resolve the dispute: back to the stage it held."""
    return _receivable_json(db, who, today, number, actions.resolve_dispute, note=body.note)


@router.post(f"{R}/legal", response_model=ReceivableState, responses=ERRORS)
def hand_over_to_legal(request: Request, number: Number, body: NoteOptionalIn,
                       db: deps.DbSession, today: deps.Today, who: Collector) -> MoneyJSONResponse:
    """Hand over to legal: forward stage by stage to ``legal``, opening the legal tasks."""
    return _receivable_json(db, who, today, number, actions.hand_over_to_legal,
                            reason=body.note, tasks=legal_tasks(request))


@router.post("/customers/{code}/calls", response_model=CustomerState, responses=ERRORS)
def log_customer_call(code: Code, body: CallIn, db: deps.DbSession, today: deps.Today,
                      who: Collector) -> MoneyJSONResponse:
    """Log a call to the customer about its account; its open call task is done."""
    return _customer_json(db, who, today, code, actions.log_customer_call,
                          outcome=body.outcome, note=body.note)


@router.post("/customers/{code}/pause", response_model=CustomerState, responses=ERRORS)
def pause(code: Code, body: PauseIn, db: deps.DbSession, today: deps.Today,
          who: Collector) -> MoneyJSONResponse:
    """Pause the customer's reminders (until a day, or until resumed)."""
    return _customer_json(db, who, today, code, actions.pause_reminders, reason=body.reason,
                          until=body.until)


@router.post("/customers/{code}/resume", response_model=CustomerState, responses=ERRORS)
def resume(code: Code, db: deps.DbSession, today: deps.Today, who: Collector) -> MoneyJSONResponse:
    """Resume the customer's reminders."""
    return _customer_json(db, who, today, code, actions.resume_reminders)
