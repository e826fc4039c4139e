"""What the API returns for customers, receivables, payments and warnings.

The models document the responses (OpenAPI); the ``*_out`` functions build them from the
read models' rows (ledger/reads/). Money goes out as exact JSON numbers
(MoneyJSONResponse), so the models only describe it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

Money = Annotated[Decimal, WithJsonSchema({"type": "number", "description": "exact, 2 decimals"})]


class CurrencyBalance(BaseModel):
    currency: str
    balance: Money
    overdue: Money
    open_receivables: int


class ContactOut(BaseModel):
    id: int
    name: str
    role: str
    phone: str
    mobile: str
    email: str
    wechat: str
    language: str = Field(description="zh-CN or en; empty: the customer's language.")
    billing: bool = Field(description="Receives the reminders and statements.")


class CustomerOut(BaseModel):
    code: str
    name: str
    email: str
    language: str
    segment: str
    country: str
    collector: str | None
    rating: str | None
    score: Money | None
    credit_limit: Money | None
    payment_terms_days: int | None
    reminders_paused: bool
    currency: str | None = Field(
        description="The currency of balance and overdue (null when the customer owes in "
                    "several: see balances).")
    balance: Money | None = Field(description="Open balance (active receivables).")
    overdue: Money | None = Field(description="The part of the balance past its due date.")
    balances: list[CurrencyBalance] = Field(description="Open balance per currency.")
    open_receivables: int
    unapplied_credit: Money = Field(description="Payments not applied to any invoice, every "
                                                "currency added up (see the next field).")
    unapplied_credits: dict[str, Money] = Field(
        default_factory=dict, description="Unapplied credit per currency: a payment only "
                                          "ever pays invoices of its own currency.")
    contacts: list[ContactOut] = Field(description="The people at the customer, billing "
                                                   "contacts first.")


class ReceivableOut(BaseModel):
    number: str
    customer_code: str
    issue_date: date
    due_date: date
    amount: Money
    balance: Money
    currency: str
    stage: str
    stage_since: date
    held_stage: str | None = Field(description="The stage a dispute holds.")
    days_overdue: int


class StageStep(BaseModel):
    from_stage: str
    to_stage: str
    on_date: date
    rule_id: str
    actor: str


class WarningOut(BaseModel):
    id: int
    rule_id: str
    level: str
    scope: str
    subject: str
    customer_code: str
    invoice: str | None
    opened_on: date
    closed_on: date | None


class AllocationOut(BaseModel):
    invoice: str
    reference: str
    date: date
    amount: Money


class ReceivableDetail(ReceivableOut):
    history: list[StageStep]
    warnings: list[WarningOut]
    payments: list[AllocationOut]


class PaymentOut(BaseModel):
    reference: str
    customer_code: str
    date: date
    amount: Money
    unapplied: Money
    invoice_number: str | None
    kind: str
    currency: str = Field(description="ISO 4217, of amount and unapplied: a payment pays "
                                      "only receivables in its currency.")


class PaymentDetail(PaymentOut):
    allocations: list[AllocationOut]


def customer_out(row: Any) -> dict[str, Any]:
    sums = row.sums
    return {
        "code": row.code, "name": row.name, "email": row.email, "language": row.language,
        "segment": row.segment, "country": row.country, "collector": row.collector,
        "rating": row.rating, "score": row.score, "credit_limit": row.credit_limit,
        "payment_terms_days": row.payment_terms_days,
        "reminders_paused": row.reminders_paused,
        "currency": sums.currency, "balance": sums.balance, "overdue": sums.overdue,
        "balances": [{"currency": b.currency, "balance": b.balance, "overdue": b.overdue,
                      "open_receivables": b.open_receivables} for b in sums.balances],
        "open_receivables": sums.open_receivables, "unapplied_credit": sums.unapplied_credit,
        "unapplied_credits": dict(sums.unapplied_by_currency),
        "contacts": [contact_out(c) for c in row.contacts],
    }


def contact_out(row: Any) -> dict[str, Any]:
    return {"id": row.id, **row.values()}


def receivable_out(row: Any) -> dict[str, Any]:
    return {
        "number": row.number, "customer_code": row.customer_code, "issue_date": row.issue_date,
        "due_date": row.due_date, "amount": row.amount, "balance": row.balance,
        "currency": row.currency, "stage": row.stage, "stage_since": row.stage_since,
        "held_stage": row.held_stage, "days_overdue": row.days_overdue,
    }


def step_out(row: Any) -> dict[str, Any]:
    return {"from_stage": row.from_stage, "to_stage": row.to_stage, "on_date": row.on_date,
            "rule_id": row.rule_id, "actor": row.actor}


def warning_out(row: Any) -> dict[str, Any]:
    return {"id": row.id, "rule_id": row.rule_id, "level": row.level, "scope": row.scope,
            "subject": row.subject, "customer_code": row.customer_code, "invoice": row.invoice,
            "opened_on": row.opened_on, "closed_on": row.closed_on}


def allocation_out(row: Any) -> dict[str, Any]:
    return {"invoice": row.invoice, "reference": row.reference, "date": row.date,
            "amount": row.amount}


def payment_out(row: Any) -> dict[str, Any]:
    return {"reference": row.reference, "customer_code": row.customer_code, "date": row.date,
            "amount": row.amount, "unapplied": row.unapplied,
            "invoice_number": row.invoice_number, "kind": row.kind, "currency": row.currency}
