"""Planning the day's reminder emails from the reminder steps that fired.

POLICY.md's rules, in one place:
- each step goes out at most once per receivable, and never after a later step did;
- several steps due at once for one receivable: only the last goes out (the others are
  recorded as superseded, so they never go out later);
- one email per customer per day listing every receivable with a step due;
- none for a disputed or promised receivable, a paused customer, a balance below the
  policy's tolerance for its currency, or on a non-business day (a step due on a holiday
  still holds on the next business day and goes out then);
- a step marked ``review: true`` makes the email wait for a collector's approval;
- it goes to the customer's billing contacts (the first with an email as To:, the others
  copied), else to the customer's own email; with neither, a ``fix_contact_details`` task
  opens instead (ledger/reminder_store.contacts);
- a customer who already has an email for the day gets no second one (a cycle run again
  after new data): steps that became due wait for the next business day.
The email is rendered here (so a bad template fails the cycle, not the 8 am send) and
written to the outbox; notifiers/ sends it later.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from engine import Policy, ReminderStep
from ledger.reminder_store import Contact
from ledger.task_store import TaskRow, task_row
from notifiers.base import message_id_for
from notifiers.templates import Templates
from workflows.calendar import BusinessCalendar

FIX_CONTACT = "fix_contact_details"
LANGUAGES = ("zh-CN", "en")


@dataclass(frozen=True)
class MailSetup:
    """What the cycle needs to write reminders; the shell builds it from settings."""

    templates: Templates
    calendar: BusinessCalendar
    sender: dict[str, str] = field(default_factory=dict)  # company, email, bank details …
    people: dict[str, str] = field(default_factory=dict)  # collector name -> email address
    domain: str = "arflow.local"


@dataclass
class _Due:
    row: dict[str, Any]
    step: ReminderStep
    superseded: list[str]


class ReminderPlanner:
    """Collects the steps due per customer for one chunk, then writes its messages."""

    def __init__(
        self,
        policy: Policy,
        setup: MailSetup,
        contacts: dict[int, Contact],
        as_of: date,
        customers_with_fix_task: set[int],
    ) -> None:
        self.policy = policy
        self.setup = setup
        self.contacts = contacts
        self.as_of = as_of
        self.steps = {step.rule_id: step for step in policy.reminders}
        self.order = [step.rule_id for step in policy.reminders]
        self.fix_tasks = customers_with_fix_task
        self.business_day = setup.calendar.is_business_day(as_of)
        self.due: dict[int, list[_Due]] = defaultdict(list)

    def consider(
        self, row: dict[str, Any], facts: dict[str, Any], fired: list[str], done: set[str]
    ) -> None:
        """Note the step (if any) this receivable gets today."""
        if not self.business_day or facts["disputed"] or facts["promised"]:
            return
        contact = self.contacts[row["customer_id"]]
        tolerance = self.policy.tolerance.get(facts["currency"], Decimal(0))
        if contact.paused or facts["balance"] <= 0 or facts["balance"] < tolerance:
            return
        if contact.messaged:  # a second run of the day: new steps wait for the next one
            return
        last_done = max(
            (self.order.index(f"reminder:{s}") for s in done if f"reminder:{s}" in self.order),
            default=-1,
        )
        due = [rule for rule in fired if rule in self.steps and self.order.index(rule) > last_done]
        if due:
            *earlier, last = due
            self.due[row["customer_id"]].append(
                _Due(row, self.steps[last], [self.steps[r].id for r in earlier])
            )

    def messages(
        self, issue_dates: dict[int, date]
    ) -> tuple[list[dict[str, Any]], list[TaskRow]]:
        """(messages, fix-contact tasks): one message per customer with steps due."""
        messages, tasks = [], []
        for customer_id, dues in sorted(self.due.items()):
            contact = self.contacts[customer_id]
            if not contact.email:
                if customer_id not in self.fix_tasks:
                    tasks.append(self._fix_task(contact))
                    self.fix_tasks.add(customer_id)
                continue
            messages.append(self._message(contact, dues, issue_dates))
        self.due.clear()
        return messages, tasks

    def _message(
        self, contact: Contact, dues: list[_Due], issue_dates: dict[int, date]
    ) -> dict[str, Any]:
        furthest = max((d.step for d in dues), key=lambda s: self.order.index(s.rule_id))
        step_set = sorted({d.step.rule_id for d in dues}, key=self.order.index)
        key = f"{contact.code}|{'+'.join(r.split(':', 1)[1] for r in step_set)}|{self.as_of}"
        items = [self._item(d, issue_dates) for d in dues]
        review = any(d.step.review for d in dues)
        language = contact.language if contact.language in LANGUAGES else "zh-CN"
        context = {
            "customer": {"code": contact.code, "name": contact.name, "language": language},
            "for_date": self.as_of,
            "step": furthest.id,
            "items": items,
            "totals": _totals(items),
            "sender": self.setup.sender,
            "review": review,
        }
        rendered = self.setup.templates.render(furthest.template, language, context)
        return {
            "outbox": {
                "key": key,
                "customer_id": contact.id,
                "for_date": self.as_of,
                "template": furthest.template,
                "language": language,
                "to_addr": contact.email,
                "cc": self._cc(dues, contact),
                "status": "review" if review else "pending",
                "step": furthest.id,
                "subject": rendered.subject,
                "body_text": rendered.text,
                "body_html": rendered.html,
                "message_id": message_id_for(key, self.setup.domain),
                "items": [
                    {
                        "invoice": i["invoice"],
                        "step": i["step"],
                        "balance": str(i["balance"]),
                        "currency": i["currency"],
                        "days_overdue": i["days_overdue"],
                    }
                    for i in items
                ],
                "attempts": 0,
                "last_error": "",
                "claimed_by": "",
            },
            "steps": [
                {
                    "receivable_id": d.row["id"],
                    "step": step,
                    "for_date": self.as_of,
                    "superseded": step != d.step.id,
                }
                for d in dues
                for step in (*d.superseded, d.step.id)
            ],
            "rules": list(dict.fromkeys(d.step.rule_id for d in dues)),
            "policy_hash": self.policy.hash,
            "code": contact.code,
        }

    def _item(self, due: _Due, issue_dates: dict[int, date]) -> dict[str, Any]:
        row = due.row
        return {
            "invoice": row["number"],
            "issue_date": issue_dates.get(row["id"]),
            "due_date": self.as_of + timedelta(days=int(row["days_to_due"])),
            "days_overdue": -int(row["days_to_due"]),  # negative before the due date
            "balance": row["balance"],
            "currency": row["currency"],
            "step": due.step.id,
        }

    def _cc(self, dues: list[_Due], contact: Contact) -> list[str]:
        """The customer's other billing contacts, then the step's ``cc``: ``collector``
        means the customer's collector, an address stands for itself; each address once,
        never the ``to`` address again (any case)."""
        addresses: list[str] = []
        seen = {contact.email.lower()}
        wanted = [*contact.cc]
        for entry in (e for d in dues for e in d.step.cc):
            name = contact.collector if entry == "collector" else entry
            wanted.append(name if name and "@" in name else self.setup.people.get(name or ""))
        for address in wanted:
            if address and address.lower() not in seen:
                seen.add(address.lower())
                addresses.append(address)
        return addresses

    def _fix_task(self, contact: Contact) -> TaskRow:
        return task_row(
            FIX_CONTACT, customer_id=contact.id,
            assignee=contact.collector or "", due_date=self.as_of + timedelta(days=1),
            rule_id="reminder:no-email", policy_hash=self.policy.hash, created_on=self.as_of,
            note="no email address: reminders cannot be sent")


def _totals(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: dict[str, dict[str, Any]] = {}
    for item in items:
        entry = totals.setdefault(
            item["currency"], {"currency": item["currency"], "amount": Decimal("0.00"), "count": 0}
        )
        entry["amount"] += item["balance"]
        entry["count"] += 1
    return [totals[c] for c in sorted(totals)]
