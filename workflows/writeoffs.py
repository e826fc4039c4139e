"""Write-offs: part or all of a balance given up as lost, proposed by a collector and
decided by a credit manager (or an admin).

A proposal needs a reason and an amount above 0 and at most the balance (default: the
whole balance); a receivable has at most one proposal waiting. Approval re-checks the
amount against the balance as it is then: if a payment came since and the receivable now
owes less than the proposal, the approval is refused (``balance_changed``) — a customer
who pays is not written off behind anyone's back; reject it and propose again.

An approved write-off lowers the balance by its amount and withdraws the unsent reminders
that carry the receivable (the next cycle writes them again with the new balance). When
nothing is left the receivable moves to ``written_off`` through the lifecycle machine; its
open warnings close, it leaves its tasks, and the open promises covering it are cancelled
(a payment plan only once nothing it covers is open). A partial write-off keeps the stage,
the warnings, the tasks and the promises: the next cycle judges them on the new balance.
Every step is audited on the receivable (``writeoff_proposed``, ``writeoff_approved``,
``writeoff_rejected``, with the amount, the reason and who).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledger import promise_store, receivable_store, writeoff_store
from ledger.audit import AuditEntry, write_audit
from ledger.db import Session
from ledger.feed import open_warnings_of_closed
from ledger.models import Receivable
from ledger.worklist import refresh_priorities
from workflows.actions import _apply, close_warnings
from workflows.errors import Forbidden, Invalid, NotFound, Refused
from workflows.lifecycle import ACTIVE, IllegalMove
from workflows.outbox import withdraw_carrying
from workflows.tasks import release_receivables

#: the roles that approve or reject write-offs (collectors and systems propose only)
DECIDERS = frozenset({"credit_manager", "admin"})
WRITEOFF_RULE = "writeoff"  # the rule id on the stage change to written_off


def may_decide(role: str | None) -> bool:
    """Whether a person of ``role`` approves or rejects write-offs (None: the operator's
    own shell, the CLI, which may)."""
    return role is None or role in DECIDERS


def _receivable(session: Session, number: str) -> Receivable:
    found = receivable_store.find_receivable(session, number)
    if found is None:
        raise NotFound(f"no receivable {number!r}")
    return found


def _audit(session: Session, receivable_id: int, number: str, action: str, on_date: date,
           actor: str, details: dict[str, object]) -> None:
    write_audit(session, [AuditEntry(on_date, actor, action, "receivable", receivable_id,
                                     number, WRITEOFF_RULE, details=details)])


def propose_writeoff(session: Session, number: str, reason: str, on_date: date, actor: str,
                     amount: Decimal | None = None) -> int:
    """Propose writing off ``amount`` of the receivable (None: its whole balance); returns
    the proposal's id. It waits for a credit manager's decision."""
    receivable = _receivable(session, number)
    if not reason.strip():
        raise Invalid("a write-off needs a reason", field="reason")
    if receivable.stage not in ACTIVE:
        raise IllegalMove(f"{number} is {receivable.stage}: nothing to write off")
    balance = receivable.balance
    value = balance if amount is None else amount
    if value <= 0 or value > balance:
        raise Invalid(f"the write-off must be more than 0 and at most the balance of {number}, "
                      f"{balance:,.2f} {receivable.currency}; got {value:,.2f}", field="amount")
    waiting = writeoff_store.open_for(session, receivable.id or 0)
    if waiting is not None:
        raise Refused(f"{number} already has a write-off of {waiting.amount:,.2f} waiting for "
                      f"a decision (#{waiting.id}, proposed by {waiting.proposed_by})",
                      code="writeoff_pending")
    writeoff_id = writeoff_store.add(session, receivable.id or 0, value, reason.strip(), actor,
                                     on_date)
    _audit(session, receivable.id or 0, number, "writeoff_proposed", on_date, actor, {
        "writeoff_id": writeoff_id, "amount": str(value), "currency": receivable.currency,
        "reason": reason.strip(), "balance": str(balance)})
    return writeoff_id


def open_writeoff(session: Session, number: str) -> int:
    """The id of the receivable's proposal waiting for a decision."""
    waiting = writeoff_store.open_for(session, _receivable(session, number).id or 0)
    if waiting is None:
        raise NotFound(f"no write-off of {number} is waiting for a decision")
    return waiting.id


def _waiting(session: Session, writeoff_id: int, role: str | None) -> writeoff_store.Proposal:
    if not may_decide(role):
        raise Forbidden(f"a {role} may propose a write-off, not decide on it: "
                        "a credit manager approves or rejects")
    proposal = writeoff_store.held(session, writeoff_id)
    if proposal is None:
        raise NotFound(f"no write-off {writeoff_id}")
    if proposal.status != "proposed":
        raise Refused(f"write-off {writeoff_id} is already {proposal.status}",
                      code="writeoff_decided")
    return proposal


def _decide(session: Session, writeoff_id: int, status: str, actor: str, on_date: date,
            note: str) -> None:
    """Record the decision on a proposal still waiting (another decision that won a race
    where rows are not locked, SQLite, is refused here, before anything changed)."""
    if not writeoff_store.decide(session, writeoff_id, status, actor, on_date, note.strip()):
        raise Refused(f"write-off {writeoff_id} was decided meanwhile", code="writeoff_decided")


def approve_writeoff(session: Session, writeoff_id: int, on_date: date, actor: str,
                     note: str = "", *, role: str | None = None) -> Decimal:
    """Take the proposal's amount off the balance (see the module docstring for what
    follows); returns the balance left. ``role``: the decider's (a collector: Forbidden)."""
    proposal = _waiting(session, writeoff_id, role)
    receivable = _receivable(session, proposal.number)
    rid, number = proposal.receivable_id, proposal.number
    if receivable.stage not in ACTIVE:
        raise IllegalMove(f"{number} is {receivable.stage} now: nothing to write off; "
                          f"reject write-off {writeoff_id}")
    _decide(session, writeoff_id, "approved", actor, on_date, note)
    left = writeoff_store.take_off(session, rid, proposal.amount)
    if left is None:
        raise Refused(f"{number} owes {receivable.balance:,.2f} {receivable.currency} now, "
                      f"less than the {proposal.amount:,.2f} proposed (a payment came since): "
                      f"reject write-off {writeoff_id} and propose again",
                      code="balance_changed")
    _audit(session, rid, number, "writeoff_approved", on_date, actor, {
        "writeoff_id": writeoff_id, "amount": str(proposal.amount),
        "currency": receivable.currency, "reason": proposal.reason,
        "proposed_by": proposal.proposed_by, "note": note.strip(), "balance": str(left)})
    withdraw_carrying(session, [rid], actor=actor, on=on_date, reason=f"{number} written off")
    if left == 0:
        _close(session, receivable, writeoff_id, on_date, actor)
    refresh_priorities(session, on_date, [rid])  # the balance at risk is lower now
    return left


def _close(session: Session, receivable: Receivable, writeoff_id: int, on_date: date,
           actor: str) -> None:
    """Nothing is left: to ``written_off``, warnings closed, out of its tasks, promises
    covering it cancelled."""
    rid = receivable.id or 0
    _apply(session, [(receivable, on_date)], "write_off", actor, WRITEOFF_RULE,
           {"writeoff_id": writeoff_id})
    close_warnings(session, open_warnings_of_closed(session, [rid], "written_off"), on_date,
                   actor, "written off")
    release_receivables(session, [rid], on_date, actor, reason="written_off")
    _cancel_promises(session, receivable, on_date, actor)


def _cancel_promises(session: Session, receivable: Receivable, on_date: date, actor: str
                     ) -> None:
    """The open promises covering the written-off receivable are cancelled (it has nothing
    left to pay); a payment plan covering it only once nothing it covers is open (its
    instalments are amounts agreed with the customer, kept or missed by what is paid)."""
    holding = promise_store.open_covering(session, [receivable.id or 0])
    promises = [h.promise_id for h in holding if h.plan_id is None]
    covering = sorted({h.plan_id for h in holding if h.plan_id is not None})
    going_on = writeoff_store.plans_covering_open(session, covering)
    plans = [plan for plan in covering if plan not in going_on]
    if not promises and not plans:
        return
    promise_store.set_status(session, promises, "cancelled")
    promise_store.close_plans(session, plans, "cancelled", on_date)
    code = writeoff_store.customer_code(session, receivable.id or 0)
    why = f"{receivable.number} written off"
    write_audit(session, [
        *(AuditEntry(on_date, actor, "promise_cancelled", "customer", receivable.customer_id,
                     code, WRITEOFF_RULE, details={"promise_id": pid, "reason": why})
          for pid in promises),
        *(AuditEntry(on_date, actor, "plan_cancelled", "customer", receivable.customer_id,
                     code, WRITEOFF_RULE, details={"plan_id": pid, "reason": why})
          for pid in plans)])


def reject_writeoff(session: Session, writeoff_id: int, note: str, on_date: date, actor: str,
                    *, role: str | None = None) -> None:
    """Turn the proposal down; the note says why (required). Nothing else changes."""
    proposal = _waiting(session, writeoff_id, role)
    if not note.strip():
        raise Invalid("say why the write-off is rejected", field="note")
    _decide(session, writeoff_id, "rejected", actor, on_date, note)
    _audit(session, proposal.receivable_id, proposal.number, "writeoff_rejected", on_date, actor,
           {"writeoff_id": writeoff_id, "amount": str(proposal.amount),
            "currency": proposal.currency, "reason": proposal.reason,
            "proposed_by": proposal.proposed_by, "note": note.strip()})
