"""Waiving a customer's late-payment interest: a credit manager's decision, with a reason,
audited on the customer (``interest_waived`` / ``interest_unwaived``). While waived the
customer owes 0 interest on every receivable (ledger/interest shows it as waived); the
interest the rule gives is not stored, so clearing the waiver brings it back as computed.
"""

from __future__ import annotations

from datetime import date

from ledger.audit import AuditEntry, write_audit
from ledger.db import Session
from ledger.models import Customer
from ledger.receivable_store import find_customer
from workflows.errors import Forbidden, Invalid, NotFound, Refused

#: the roles that waive interest or clear a waiver (the CLI, role None, may too)
WAIVERS = frozenset({"credit_manager", "admin"})
MAX_REASON = 2000


def _customer(session: Session, code: str, role: str | None) -> Customer:
    if role is not None and role not in WAIVERS:
        raise Forbidden("only a credit manager or an admin waives late-payment interest")
    found = find_customer(session, code)
    if found is None:
        raise NotFound(f"no customer {code!r}")
    return found


def waive_interest(session: Session, code: str, reason: str, on_date: date, actor: str,
                   *, role: str | None = None) -> None:
    """From now on customer ``code`` owes no late-payment interest, for ``reason``."""
    text = reason.strip()
    if not text:
        raise Invalid("say why the interest is waived (the reason is kept in the audit "
                      "trail)", field="reason")
    if len(text) > MAX_REASON:
        raise Invalid(f"the reason is longer than {MAX_REASON} characters", field="reason")
    customer = _customer(session, code, role)
    if customer.interest_waived:
        raise Refused(f"interest for {code} is already waived ({customer.interest_waiver_reason}"
                      f"); unwaive it first to change the reason", code="already_waived")
    customer.interest_waived = True
    customer.interest_waiver_reason = text
    session.add(customer)
    write_audit(session, [AuditEntry(on_date, actor, "interest_waived", "customer",
                                     customer.id, code, details={"reason": text})])


def unwaive_interest(session: Session, code: str, on_date: date, actor: str,
                     *, role: str | None = None) -> None:
    """Customer ``code`` owes late-payment interest again, as the policy computes it."""
    customer = _customer(session, code, role)
    if not customer.interest_waived:
        raise Refused(f"interest for {code} is not waived", code="not_waived")
    reason = customer.interest_waiver_reason
    customer.interest_waived = False
    customer.interest_waiver_reason = None
    session.add(customer)
    write_audit(session, [AuditEntry(on_date, actor, "interest_unwaived", "customer",
                                     customer.id, code, details={"waived_for": reason})])
