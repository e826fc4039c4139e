"""/api/v1 late-payment interest: a customer's waiver (set and cleared by a credit manager,
``credit`` permission; audited by workflows/interest.py) and the interest shown in the
receivable and customer reads, only when the policy in force has ``interest:``.
Refusals: 404 ``not_found``; 409 ``already_waived`` / ``not_waived``; 422 ``reason``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from arflow.web import deps
from arflow.web.api.actions import NO_NUL
from arflow.web.api.schemas_reads import CustomerOut
from arflow.web.auth import permitted
from arflow.web.errors import documented, refused
from arflow.web.orders import Money
from arflow.web.responses import ExactRoute, MoneyJSONResponse
from engine.interest import InterestTerms
from ledger import interest
from ledger.db import Session
from ledger.receivable_store import find_customer
from workflows.interest import unwaive_interest, waive_interest

router = APIRouter(tags=["interest"], route_class=ExactRoute)
Code = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\s\x00]+$")]
CreditManager = permitted("credit")


class WaiverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, pattern=NO_NUL,
                        description="Why the interest is waived (kept in the audit trail).")


class WaiverOut(BaseModel):
    customer_code: str
    interest_waived: bool
    reason: str | None


class InterestOut(BaseModel):
    """A receivable's late-payment interest today (policy ``interest:``)."""

    days: int = Field(description="Days that bore interest (0 when none is owed).")
    amount: Money = Field(description="Interest owed, rounded half-up to the cent; 0 when "
                                      "waived or below the policy's min_amount.")
    waived: bool = Field(description="The customer's interest is waived.")


class CustomerInterestOut(BaseModel):
    waived: bool
    totals: dict[str, Money] = Field(description="Interest owed per currency today.")


class CustomerWithInterest(CustomerOut):
    interest: CustomerInterestOut | None = Field(
        default=None, description="Only when the policy has interest:.")


def terms_in_force(request: Request) -> InterestTerms | None:
    """The policy's interest terms, None when the policy has none (or none is loaded)."""
    from arflow.web.policy_sync import follow_published

    follow_published(request.app)
    return getattr(request.app.state.policy, "interest", None)


def receivable_interest(request: Request, db: Session, receivable_id: int, today: date
                        ) -> dict[str, Any] | None:
    """``{days, amount, waived}`` for the receivable read; None without ``interest:``."""
    terms = terms_in_force(request)
    row = None if terms is None else interest.for_receivable(db, receivable_id, today, terms)
    return None if row is None else {"days": row.days, "amount": row.interest,
                                     "waived": row.waived}


def customer_interest(request: Request, db: Session, code: str, today: date
                      ) -> dict[str, Any] | None:
    """``{waived, totals}`` for the customer read; None without ``interest:``."""
    terms = terms_in_force(request)
    customer = None if terms is None else find_customer(db, code)
    if terms is None or customer is None or customer.id is None:
        return None
    rows = interest.for_customer(db, customer.id, today, terms)
    return {"waived": bool(customer.interest_waived), "totals": interest.totals(rows)}


def _waiver(db: Session, code: str) -> dict[str, Any]:
    customer = find_customer(db, code)
    assert customer is not None  # the workflow just found it
    return {"customer_code": code, "interest_waived": customer.interest_waived,
            "reason": customer.interest_waiver_reason}


@router.post("/customers/{code}/interest-waiver", response_model=WaiverOut,
             responses=documented(401, 403, 404, 409, 422))
def waive(code: Code, body: WaiverIn, db: deps.DbSession, today: deps.Today,
          who: CreditManager) -> MoneyJSONResponse:
    """Waive the customer's late-payment interest: it owes 0 until the waiver is cleared."""
    with refused(db):
        waive_interest(db, code, body.reason, today, who.actor, role=who.role)
        db.commit()
    return MoneyJSONResponse(_waiver(db, code))


@router.delete("/customers/{code}/interest-waiver", response_model=WaiverOut,
               responses=documented(401, 403, 404, 409, 422))
def unwaive(code: Code, db: deps.DbSession, today: deps.Today, who: CreditManager
            ) -> MoneyJSONResponse:
    """Clear the waiver: the customer owes interest again, as the policy computes it."""
    with refused(db):
        unwaive_interest(db, code, today, who.actor, role=who.role)
        db.commit()
    return MoneyJSONResponse(_waiver(db, code))
