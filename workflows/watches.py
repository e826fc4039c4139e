"""Built-in warnings and tasks of the credit file, which no YAML condition can express
(they read insured limits, prepayments and tasks, not receivable facts).

- ``over-insured-limit`` (orange, customer): exposure above the customer's insured limit.
- ``unapplied-prepayment`` (orange, customer): a prepayment unapplied for more than
  the policy's ``prepayments.warning_days`` (default 30): goods not shipped, or money owed
  back.
- ``insurer-deadline-passed`` (red, receivable): the insurer's reporting deadline
  (``due_date + insurance.report_overdue_after_days``) has passed with its
  "report_to_insurer" task still open.
- a ``report_to_insurer`` task (assigned to credit_manager, due on the deadline) opens
  ``insurance.notify_days_before`` days (default 10) before that deadline, once per
  receivable of an insured customer still open then.

They open and close like the policy's warnings: each day, on the day's facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine import Policy
from ledger import insurer_store, order_store
from ledger import prepayments as prepayment_store
from ledger.db import Session
from ledger.task_store import TaskRow, task_row

BUILTIN_LEVELS: dict[str, str] = {
    "over-insured-limit": "orange",
    "unapplied-prepayment": "orange",
    "insurer-deadline-passed": "red",
}
INSURER_RULE = "insurance:report_overdue"
INSURER_ASSIGNEE = "credit_manager"


@dataclass
class Watches:
    """What holds today: built-in warning ids per customer and per receivable, and the
    insurer report tasks to open."""

    customer: dict[int, set[str]] = field(default_factory=dict)
    receivable: dict[int, set[str]] = field(default_factory=dict)
    reports: list[dict[str, Any]] = field(default_factory=list)


def load_watches(
    session: Session, policy: Policy, as_of: date, customers: dict[int, dict[str, Any]]
) -> Watches:
    """A few bulk queries per cycle, never one per customer."""
    watches = Watches()
    for cid, limit in order_store.insured_limits(session).items():
        facts = customers.get(cid)
        if facts is not None and facts["customer.exposure"] > limit:
            watches.customer.setdefault(cid, set()).add("over-insured-limit")
    days = policy.prepayment_warning_days
    for cid in prepayment_store.stale_by_customer(session, as_of, days):
        watches.customer.setdefault(cid, set()).add("unapplied-prepayment")
    insurance = policy.insurance
    if insurance is not None:
        deadline = insurance.report_overdue_after_days
        watches.reports = insurer_store.reports_due(
            session, as_of, deadline, insurance.notify_days_before
        )
        for rid in insurer_store.deadlines_passed(session, as_of, deadline):
            watches.receivable[rid] = {"insurer-deadline-passed"}
    return watches


def insurer_task(report: dict[str, Any], policy_hash: str, as_of: date) -> TaskRow:
    return task_row(
        insurer_store.TASK_KIND, customer_id=report["customer_id"], receivable_ids=[report["id"]],
        assignee=INSURER_ASSIGNEE, due_date=report["deadline"], rule_id=INSURER_RULE,
        policy_hash=policy_hash, created_on=as_of,
        note=f"report {report['number']} overdue to the credit insurer by {report['deadline']}")
