"""Credit reviews and manual credit decisions: scorecard -> rating -> terms, audited.

review() proposes, apply() writes: the same proposals, so what a credit manager saw is what
gets written. Every changed field leaves a CreditChange row (who, why, the factor breakdown)
and a review leaves an Activity, so each rating can be explained later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from engine.currency import UnknownCurrency, normalize_currency
from engine.policy import CreditPolicy, Policy
from engine.scorecard import score
from ledger import credit_store as store
from ledger import prepayments
from ledger.audit import AuditEntry, write_audit
from ledger.credit_facts import scorecard_factors
from ledger.db import Session
from ledger.facts import customer_facts
from ledger.fx_exposure import foreign_exposure, restate
from ledger.models import Activity, Customer, Guarantee
from ledger.task_store import customers_with_open_task, open_tasks, task_row
from workflows.errors import Invalid, Refused

ACTOR = "scorecard"
TASK_KIND = "review_credit"
TASK_ASSIGNEE = "credit_manager"
TASK_RULE = "credit-review"
TASK_DUE_DAYS = 3
DROP_GRADES = 2  # a rating this many grades worse (or more) asks a person to look


@dataclass
class Proposal:
    """The scorecard's answer for one customer, its current file, and what would change."""

    customer_id: int
    code: str
    score: Decimal
    rating: str
    credit_limit: Decimal
    payment_terms_days: int
    prepayment_ratio: Decimal
    factors: dict[str, dict[str, Any]]
    old: dict[str, Any]
    new: dict[str, Any]
    changes: list[dict[str, Any]] = field(default_factory=list)
    rating_drop: int = 0  # grades lost (0 when the rating held, improved or was unknown)
    rated: bool = False  # the file was already reviewed on this day

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "score": self.score,
            "rating": self.rating,
            "credit_limit": self.credit_limit,
            "payment_terms_days": self.payment_terms_days,
            "prepayment_ratio": self.prepayment_ratio,
            "factors": self.factors,
            "old": {k: self.old[k] for k in _SHOWN},
            "changes": self.changes,
            "rating_drop": self.rating_drop,
        }


_SHOWN = ("rating", "score", "credit_limit", "payment_terms_days", "prepayment_ratio",
          "limit_override", "override_until")


@dataclass(frozen=True)
class Applied:
    reviewed: int
    changed: int
    tasks: int
    proposals: list[Proposal]


def credit_policy(policy: Policy | CreditPolicy) -> CreditPolicy:
    credit = policy.credit if isinstance(policy, Policy) else policy
    if credit is None:
        raise Refused("the policy has no credit section: nothing to score by",
                      code="no_credit_policy")
    return credit


def review(
    session: Session, policy: Policy | CreditPolicy, as_of: date, customer: str | None = None,
    book: str | None = None,
) -> list[Proposal]:
    """Score every customer (or one, by code) on ``as_of`` and propose its new credit file
    (``book``: the book currency its money factors are taken in)."""
    credit = credit_policy(policy)
    files = store.credit_files(session, customer)
    only = files[0].id if customer is not None else None
    values = scorecard_factors(session, as_of, only, book)
    grades = list(credit.ratings)
    weights = {f.factor: f.weight for f in credit.scorecard}
    proposals = []
    for file in files:
        result = score(credit, values[file.id])
        old = {name: file.value(name) for name in store.FILE_FIELDS}
        new = {**old, "rating": result.rating, "score": result.score,
               "payment_terms_days": result.terms.payment_terms_days,
               "prepayment_ratio": result.terms.prepayment_ratio,
               "credit_limit": result.terms.credit_limit}
        if file.limit_override is not None:
            if file.override_until is None or file.override_until >= as_of:
                new["credit_limit"] = file.limit_override  # the manual override still wins
            else:
                new |= {"limit_override": None, "override_reason": "", "override_until": None}
        factors = {
            name: {"value": values[file.id].get(name), "points": points, "weight": weights[name]}
            for name, points in result.points.items()
        }
        changes = [
            {"field": name, "old": old[name], "new": new[name]}
            for name in store.FILE_FIELDS
            if not _same(old[name], new[name])
        ]
        drop = 0
        if file.rating in grades:
            drop = max(0, grades.index(result.rating) - grades.index(file.rating))
        proposals.append(Proposal(
            file.id, file.code, result.score, result.rating, new["credit_limit"],
            result.terms.payment_terms_days, result.terms.prepayment_ratio, factors, old, new,
            changes, drop, file.rated_on == as_of))
    return proposals


def _same(old: Any, new: Any) -> bool:
    """Equal values (0.3 and 0.3000 are the same ratio)."""
    return bool(old == new)


def apply(
    session: Session, policy: Policy | CreditPolicy, as_of: date, customer: str | None = None,
    actor: str = ACTOR, book: str | None = None,
) -> Applied:
    """Write the review: files, one CreditChange per changed field, one Activity per
    customer reviewed anew, and a review_credit task on a drop of two grades or more.

    Idempotent: a second run for the same day finds nothing to change and writes nothing.
    """
    proposals = review(session, policy, as_of, customer, book)
    pending = [p for p in proposals if p.changes or not p.rated]
    reviewing = customers_with_open_task(session, TASK_KIND)
    files, changes, audit, tasks = [], [], [], []
    for p in pending:
        files.append({"cid": p.customer_id, "rated_on": as_of, **p.new})
        details = {"score": str(p.score), "rating": p.rating, "factors": {
            name: {k: None if v is None else str(v) for k, v in f.items()}
            for name, f in p.factors.items()}}
        changes.extend({
            "customer_id": p.customer_id, "on_date": as_of, "actor": actor,
            "field_name": c["field"], "old_value": _text(c["old"], c["field"]),
            "new_value": _text(c["new"], c["field"]),
            "reason": "override expired" if c["field"] in OVERRIDE_FIELDS else "credit review",
            "details": details,
        } for c in p.changes)
        audit.append(AuditEntry(as_of, actor, "credit_review", "customer", p.customer_id, p.code,
                              rule_id=TASK_RULE, details={**details, "changes": _plain(
                                  p.changes)}))
        if p.rating_drop >= DROP_GRADES and p.customer_id not in reviewing:
            reviewing.add(p.customer_id)
            tasks.append(task_row(
                TASK_KIND, customer_id=p.customer_id,
                assignee=TASK_ASSIGNEE, due_date=as_of + timedelta(days=TASK_DUE_DAYS),
                rule_id=TASK_RULE, policy_hash=getattr(policy, "hash", ""), created_on=as_of,
                note=f"rating {p.old['rating']} -> {p.rating} (score {p.score})"))
    store.update_files(session, files)
    store.insert_changes(session, changes)
    store.insert_rows(session, Activity.__table__, [entry.row() for entry in audit])
    open_tasks(session, tasks)
    return Applied(len(proposals), sum(1 for p in pending if p.changes), len(tasks), proposals)


MONEY_FIELDS = ("score", "credit_limit", "limit_override")
OVERRIDE_FIELDS = ("limit_override", "override_reason", "override_until")


def _text(value: Any, name: str = "") -> str:
    """History text: money with two decimals, ratios without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}" if name in MONEY_FIELDS else f"{value.normalize():f}"
    return str(value)


def _plain(value: Any) -> Any:
    """JSON-safe copy for the audit columns (Decimal and dates as text)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal | date):
        return str(value)
    return value


def _change(cid: int, on_date: date, actor: str, name: str, old: Any, new: Any,
            reason: str) -> dict[str, Any]:
    return {"customer_id": cid, "on_date": on_date, "actor": actor, "field_name": name,
            "old_value": _text(old, name), "new_value": _text(new, name), "reason": reason,
            "details": {}}


def set_override(
    session: Session, code: str, limit: Decimal, reason: str, until: date, on_date: date,
    actor: str,
) -> None:
    """A manual credit limit that wins over the scorecard until ``until`` (inclusive)."""
    if limit < 0:
        raise Invalid(f"must not be negative: {limit}", field="limit")
    if until < on_date:
        raise Invalid(f"{until} is in the past (today is {on_date})", field="until")
    if not reason.strip():
        raise Invalid("must say why", field="reason")
    file = store.credit_files(session, code)[0]
    new = {"credit_limit": limit, "limit_override": limit, "override_reason": reason,
           "override_until": until}
    _write_manual(session, file, new, on_date, actor, reason)


def clear_override(session: Session, code: str, on_date: date, actor: str) -> None:
    """Drop the override; the next review sets the scorecard's limit again."""
    file = store.credit_files(session, code)[0]
    if file.limit_override is None:
        raise Invalid(f"{code} has no limit override")  # the pages answer 422 (as before)
    new = {"limit_override": None, "override_reason": "", "override_until": None}
    _write_manual(session, file, new, on_date, actor, "override cleared")


def _write_manual(session: Session, file: store.CreditFile, new: dict[str, Any],
                  on_date: date, actor: str, reason: str) -> None:
    old = {name: file.value(name) for name in store.FILE_FIELDS}
    merged = {**old, **new}
    store.update_files(session, [{"cid": file.id, "rated_on": file.rated_on, **merged}])
    store.insert_changes(session, [
        _change(file.id, on_date, actor, name, old[name], merged[name], reason)
        for name in new if not _same(old[name], merged[name])
    ])
    write_audit(session, [AuditEntry(on_date, actor, "credit_override", "customer",
                                         file.id, file.code, details=_plain(new))])


def add_guarantee(
    session: Session, code: str, kind: str, amount: Decimal, on_date: date, actor: str,
    currency: str = "CNY", expires: date | None = None, note: str = "",
) -> None:
    """Record security for the customer's credit (bank or parent guarantee, deposit …)."""
    if amount <= 0:
        raise Invalid(f"must be positive: {amount}", field="amount")
    if not kind.strip():
        raise Invalid("must not be empty", field="kind")
    try:
        currency = normalize_currency(currency)
    except UnknownCurrency as exc:
        raise Invalid(f"not an ISO currency code: {currency!r} ({exc})",
                      field="currency") from None
    if expires is not None and expires < on_date:
        raise Invalid(f"{expires} is in the past (today is {on_date})",
                      field="expires")
    cid = store.customer_id(session, code)
    session.add(Guarantee(customer_id=cid, kind=kind, amount=amount, currency=currency,
                          expires_on=expires, note=note, created_on=on_date))
    text = f"{kind} {amount:.2f} {currency}" + (f" until {expires}" if expires else "")
    store.insert_changes(session, [_change(cid, on_date, actor, "guarantee", None, text,
                                           note or "guarantee recorded")])


def credit_file(session: Session, code: str, as_of: date, book_currency: str = "CNY"
                ) -> dict[str, Any]:
    """Everything a credit manager looks at for one customer, as plain values. Exposure
    and utilisation are in ``book_currency`` (settings), other currencies converted at
    the day's rate: ``exposure_currency`` says so, ``exposure_conversion`` how (rates,
    and what had no rate: left out, never added 1:1)."""
    cid = store.customer_id(session, code)
    customer = session.get_one(Customer, cid)
    book = store.exposure(session, cid, as_of)
    # the same exposure the rules see (open AR + open orders less their prepayments)
    facts = customer_facts(session, as_of, only=cid)
    foreign = foreign_exposure(session, as_of, book_currency, only=cid)
    restate(facts, foreign)
    exposure = facts[cid]["customer.exposure"]
    conversion = foreign[cid].converted.as_dict() if cid in foreign else None
    limit = customer.credit_limit
    review = store.last_review(session, cid)
    return {
        "code": customer.code, "name": customer.name, "collector": customer.collector,
        "rating": customer.rating, "score": customer.score, "rated_on": customer.rated_on,
        "factors": review.details.get("factors", {}) if review else {},
        "credit_limit": limit, "limit_override": customer.limit_override,
        "override_reason": customer.override_reason, "override_until": customer.override_until,
        "payment_terms_days": customer.payment_terms_days,
        "prepayment_ratio": customer.prepayment_ratio, "insured_limit": customer.insured_limit,
        **book, "exposure": exposure, "exposure_currency": book_currency,
        "exposure_conversion": conversion,
        "utilisation": (exposure / limit).quantize(Decimal("0.0001")) if limit else None,
        "guarantees": [
            {"kind": g.kind, "amount": g.amount, "currency": g.currency,
             "expires_on": g.expires_on, "expired": bool(g.expires_on and g.expires_on < as_of),
             "note": g.note}
            for g in store.guarantees(session, cid)
        ],
        "prepayments": prepayments.unapplied(session, as_of, customer=customer.code),
        "history": [
            {"on_date": h.on_date, "actor": h.actor, "field": h.field_name,
             "old": h.old_value, "new": h.new_value, "reason": h.reason}
            for h in store.history(session, cid)
        ],
    }
