"""Order checks and the life of a sales order: approved | prepay | held -> invoiced,
held -> approved/prepay (release) or rejected, open -> cancelled.

Every check of the policy's ``order_checks`` is evaluated through the rules engine (scope
"order"); the strictest decision that fires wins (reject > hold > prepay > approve) and
every check that fired is kept, so whoever releases a held order sees why it was held.

Prepayment: when ``prepay`` wins, the amount to collect in advance is the customer's
prepayment_ratio × the order. A customer with no ratio (0) whom a check still asks to
prepay pays the whole order in advance: the check asked for cover, and 0 would be none.
Currencies: the order's currency is read through engine.currency (``rmb`` is CNY) and the
order is converted to the book currency (settings ``book_currency``, passed in by the
shell) at the rate of the day before it joins exposure, itself stated in the book currency
(ledger/fx_exposure); a currency without a rate refuses the check (``Invalid`` on
``currency``): money is never added 1:1. The prepayment stays in the order's currency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from engine import Policy, RuleEngine
from engine.challenger import arm_of
from engine.currency import UnknownCurrency, normalize_currency
from engine.fx import Converted, MissingRate
from ledger import fx_store, order_store
from ledger import prepayments as prepayment_store
from ledger.audit import AuditEntry, write_audit
from ledger.db import Session
from ledger.facts import OPEN_ORDER_STATUSES, customer_facts
from ledger.fx_exposure import Foreign, foreign_amounts, restate
from ledger.models import Customer, SalesOrder
from ledger.money import CENT, to_cents
from workflows.errors import Invalid, Refused
from workflows.prepayments import apply_payment

STATUS_OF = {"approve": "approved", "prepay": "prepay", "hold": "held", "reject": "rejected"}
STATUSES = ("approved", "prepay", "held", "rejected", "invoiced", "cancelled")
BOOK_CURRENCY = "CNY"  # settings.book_currency's default; the shells pass the setting
_NUMBER = re.compile(r"\S{1,64}")


@dataclass(frozen=True)
class OrderDecision:
    decision: str
    fired: list[str]  # check ids, in policy order
    exposure_after: Decimal  # in ``exposure_currency``
    prepayment_amount: Decimal  # in the order's currency
    exposure_currency: str = BOOK_CURRENCY
    amount_converted: Decimal | None = None  # the order in the book currency, if converted
    conversion: Converted | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The decision; ``exposure_currency`` says what exposure is stated in and, when
        another currency was converted, ``converted_at``, ``rates`` and ``note`` say how."""
        out: dict[str, Any] = {
            "decision": self.decision,
            "fired": list(self.fired),
            "exposure_after": self.exposure_after,
            "exposure_currency": self.exposure_currency,
            "prepayment_amount": self.prepayment_amount,
        }
        if self.amount_converted is not None:
            out["amount_converted"] = self.amount_converted
        if self.conversion is not None and self.conversion.converted:
            detail = self.conversion.as_dict()
            out.update({k: detail[k] for k in ("converted_at", "rates", "note")})
        return out


def check(
    session: Session, policy: Policy, code: str, amount: Decimal, currency: str, as_of: date,
    book: str = BOOK_CURRENCY,
) -> OrderDecision:
    """What the policy decides for a new order of ``amount`` by customer ``code``."""
    customer = order_store.customer_by_code(session, code)
    return _check(session, ruling(policy, customer), customer, amount, currency, as_of, book)


def ruling(policy: Policy, customer: Customer) -> Policy:
    """The policy deciding for ``customer``: its arm's, when the policy names a challenger."""
    return policy.for_arm(arm_of(policy.challenger, customer.code, customer.segment))


def _check(
    session: Session,
    policy: Policy,
    customer: Customer,
    amount: Decimal,
    currency: str,
    as_of: date,
    book: str,
) -> OrderDecision:
    currency = _validate(amount, currency)
    customer_id = customer.id or 0
    facts = customer_facts(session, as_of, only=customer_id)
    converted, conversion = _in_book(session, facts, customer_id, amount, currency, as_of,
                                     book)
    fact_of = facts[customer_id]
    exposure_after = fact_of["customer.exposure"] + converted
    fact = {"id": 1, "amount": converted, "currency": currency,
            "exposure_after": exposure_after, **fact_of}
    rule_ids = RuleEngine.for_policy(policy).evaluate("order", [fact])[1]
    decision = policy.order_decision(rule_ids)
    fired = [r.removeprefix("order:") for r in rule_ids]
    prepay = prepayment_for(customer, amount) if decision == "prepay" else Decimal("0.00")
    return OrderDecision(decision, fired, exposure_after, prepay, book,
                         converted if currency != book else None, conversion)


def _in_book(
    session: Session, facts: dict[int, dict[str, Any]], customer_id: int, amount: Decimal,
    currency: str, as_of: date, book: str,
) -> tuple[Decimal, Converted | None]:
    """Restate the customer's exposure in ``facts`` in the book currency and give the
    order's amount in it. Any currency involved without a rate refuses the check."""
    owed = foreign_amounts(session, book, only=customer_id).get(customer_id, {})
    codes = (set(owed) | {currency}) - {book}
    if not codes:
        return amount, None
    rates = fx_store.rates_on(session, book, as_of, codes)
    try:
        converted = rates.convert(amount, currency, as_of)
        for code in sorted(codes):
            rates.rate(code, as_of)
    except MissingRate as exc:
        raise Invalid(str(exc), field="currency") from None
    both = dict(owed)
    both[currency] = both.get(currency, Decimal("0.00")) + amount
    if owed:
        restate(facts, {customer_id: Foreign(owed, rates.total(owed, as_of))})
    return converted, rates.total(both, as_of)


def prepayment_for(customer: Customer, amount: Decimal) -> Decimal:
    """ratio × amount to the cent (a ratio of 0 means the whole order, see above)."""
    ratio = customer.prepayment_ratio or Decimal(1)
    return (ratio * amount).quantize(CENT, rounding=ROUND_HALF_UP)


def _validate(amount: Decimal, currency: str) -> str:
    """The order's currency as an ISO code (Invalid on ``amount`` or ``currency``)."""
    to_cents(amount)  # exact cents or ValueError
    if amount <= 0:
        raise Invalid(f"amount must be more than 0, got {amount}", field="amount")
    try:
        return normalize_currency(currency)
    except UnknownCurrency as exc:
        raise Invalid(f"currency must be an ISO code like CNY (or a known alias like RMB), "
                      f"got {currency!r}", field="currency") from exc


def add(
    session: Session,
    policy: Policy,
    code: str,
    amount: Decimal,
    number: str,
    as_of: date,
    actor: str,
    currency: str = "CNY",
    book: str = BOOK_CURRENCY,
) -> SalesOrder:
    """Check and record an order; its status is what the checks decided (``exposure_after``
    in the book currency)."""
    if not _NUMBER.fullmatch(number):
        raise Invalid(f"order number must be 1-64 characters without spaces: {number!r}",
                      field="number")
    customer = order_store.customer_by_code(session, code, lock=True)  # one check at a time
    if order_store.order_exists(session, number):
        raise Refused(f"order {number} already exists", code="order_exists", field="number")
    currency = _validate(amount, currency)
    policy = ruling(policy, customer)  # its audit names the hash of the arm's policy
    result = _check(session, policy, customer, amount, currency, as_of, book)
    status = STATUS_OF[result.decision]
    order = SalesOrder(
        number=number,
        customer_id=customer.id or 0,
        amount=amount,
        currency=currency,
        status=status,
        decision=result.decision,
        fired=result.fired,
        exposure_after=result.exposure_after,
        prepayment_amount=result.prepayment_amount,
        created_on=as_of,
        decided_on=None if status == "held" else as_of,
        decided_by="" if status == "held" else "order_checks",
    )
    session.add(order)
    session.flush()
    details = {"customer": code, **result.as_dict(), "amount": amount, "currency": currency}
    if "rates" in details:  # the audit's JSON takes no Decimal
        details["rates"] = {c: {"rate": str(r["rate"]), "on": r["on"]}
                            for c, r in details["rates"].items()}
    _audit(session, order, as_of, actor, "order_added", policy.hash, details)
    return order


def release(session: Session, number: str, as_of: date, actor: str, note: str = "") -> SalesOrder:
    """A credit manager lets a held order go: approved, or prepay if the customer has a
    prepayment ratio."""
    order = _held(session, number)
    customer = session.get(Customer, order.customer_id)
    assert customer is not None
    if customer.prepayment_ratio > 0:
        order.status = "prepay"
        order.prepayment_amount = prepayment_for(customer, order.amount)
    else:
        order.status = "approved"
    return _decide(session, order, as_of, actor, "order_released", note)


def reject(session: Session, number: str, as_of: date, actor: str, reason: str) -> SalesOrder:
    """A credit manager refuses a held order; the reason is kept."""
    if not reason.strip():
        raise Invalid("a rejection needs a reason", field="reason")
    order = _held(session, number)
    order.status = "rejected"
    return _decide(session, order, as_of, actor, "order_rejected", reason)


def cancel(session: Session, number: str, as_of: date, actor: str, reason: str = "") -> SalesOrder:
    """The order will not be shipped: it stops counting in exposure."""
    order = order_store.order_by_number(session, number, lock=True)
    if order.status not in OPEN_ORDER_STATUSES:
        raise Refused(f"order {number} is {order.status}; only an open order can be cancelled",
                      code="order_closed")
    before = order.status
    order.status = "cancelled"
    order.note = reason or order.note
    session.add(order)
    _audit(session, order, as_of, actor, "order_cancelled", "",
           {"from": before, "reason": reason})
    return order


def invoice(
    session: Session, number: str, invoice_number: str, as_of: date, actor: str
) -> tuple[SalesOrder, Decimal]:
    """Link the imported invoice of an approved (or prepay) order: the order stops counting
    in exposure, the invoice counts instead, and the order's unapplied prepayments are
    applied to it. Returns the order and the prepayment amount applied."""
    order = order_store.order_by_number(session, number, lock=True)
    if order.status not in ("approved", "prepay"):
        raise Refused(f"order {number} is {order.status}; only an approved or prepay "
                      f"order can be invoiced", code="not_invoiceable")
    receivable = order_store.receivable_by_number(session, invoice_number)
    if receivable.customer_id != order.customer_id:
        raise Invalid(f"invoice {invoice_number} belongs to another customer", field="invoice")
    other = order_store.invoice_linked(session, invoice_number)
    if other is not None:
        raise Refused(f"invoice {invoice_number} is already linked to order {other}",
                      code="invoice_linked", field="invoice")
    before = order.status
    order.status = "invoiced"
    order.invoice_number = invoice_number
    session.add(order)
    session.flush()
    applied = Decimal("0.00")
    for payment in prepayment_store.linked_unapplied(session, order.id or 0):
        if receivable.balance - applied <= 0:
            break
        applied += apply_payment(session, payment, invoice_number, as_of, actor)
    _audit(session, order, as_of, actor, "order_invoiced", "",
           {"from": before, "invoice": invoice_number, "prepayment_applied": applied})
    return order, applied


def _held(session: Session, number: str) -> SalesOrder:
    order = order_store.order_by_number(session, number, lock=True)
    if order.status != "held":
        raise Refused(f"order {number} is {order.status}, not held", code="not_held")
    return order


def _decide(
    session: Session, order: SalesOrder, as_of: date, actor: str, action: str, note: str
) -> SalesOrder:
    order.decided_on = as_of
    order.decided_by = actor
    order.note = note
    session.add(order)
    _audit(session, order, as_of, actor, action, "",
           {"from": "held", "to": order.status, "note": note, "fired": list(order.fired)})
    return order


def _audit(
    session: Session,
    order: SalesOrder,
    as_of: date,
    actor: str,
    action: str,
    policy_hash: str,
    details: dict[str, Any],
) -> None:
    session.flush()
    rule = "+".join(f"order:{f}" for f in order.fired) if action == "order_added" else ""
    write_audit(session, [AuditEntry(
        as_of, actor, action, "order", order.id, order.number, rule[:128], policy_hash,
        {k: str(v) if isinstance(v, Decimal) else v for k, v in details.items()},
    )])
