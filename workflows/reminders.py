"""Planning the day's reminder emails from the reminder steps that fired.

POLICY.md's rules, in one place:
- each step goes out at most once per receivable, and never after a later step did;
- several steps due at once for one receivable: only the last goes out (the others are
  recorded as superseded, so they never go out later);
- one email per customer per day; it takes the template of the furthest step due and
  demands only the receivables at a step of that template (``items``); a step of another
  template that day is recorded as superseded and its receivable, like the customer's
  other open items, is shown apart (``other_items``); a receivable not yet due is never
  demanded by a notice beyond the first step's template;
- catching up (go-live, invoices already late, policy ``go_live``): a customer's message
  is never more than one step beyond the furthest step it was ever written at (so its
  first is at the first step); while steps are held back, each next message waits
  ``min_gap_days`` business days after the previous one; no email before go_live.date;
- the template hears of the earlier messages actually SENT about its items (``previous``);
- with the policy's ``interest: {in_notices: true}`` each demanded item carries the
  late-payment interest it accrued by the message's day (``interest``; 0 for a waived
  customer) and the template gets the totals per currency to state under the items;
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
from ledger.reminder_store import Contact, History
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
    steps: list[ReminderStep]  # due today for this receivable, in policy order


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
        self.index = {step.id: n for n, step in enumerate(policy.reminders)}
        self.fix_tasks = customers_with_fix_task
        start = policy.go_live.date
        self.business_day = setup.calendar.is_business_day(as_of) and (
            start is None or as_of >= start
        )
        self.due: dict[int, list[_Due]] = defaultdict(list)
        self.open: dict[int, list[dict[str, Any]]] = defaultdict(list)  # open items shown
        self.held: list[dict[str, Any]] = []  # customers waiting for the catch-up gap
        self.interest: dict[int, Decimal] | None = None  # the chunk's, when notices show it

    def consider(
        self, row: dict[str, Any], facts: dict[str, Any], fired: list[str], done: set[str]
    ) -> None:
        """Note the steps (if any) this receivable has due today."""
        if facts["balance"] > 0 and not facts["disputed"]:  # a disputed one is not pressed
            self.open[row["customer_id"]].append(row)
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
            self.due[row["customer_id"]].append(_Due(row, [self.steps[r] for r in due]))

    def wanted(self) -> list[int]:
        """The receivables the chunk's messages may show (their issue dates are read)."""
        return [row["id"] for cid in self.due for row in self.open.get(cid, [])]

    def messages(
        self, issue_dates: dict[int, date], history: dict[int, History] | None = None,
        interest: dict[int, Decimal] | None = None,
    ) -> tuple[list[dict[str, Any]], list[TaskRow]]:
        """(messages, fix-contact tasks): one message per customer with steps due.
        ``interest``: what each receivable owes as of the day (ledger/interest), given
        only when the policy shows interest in notices; None shows none."""
        messages, tasks = [], []
        history = history or {}
        self.interest = interest
        for customer_id, dues in sorted(self.due.items()):
            contact = self.contacts[customer_id]
            if not contact.email:
                if customer_id not in self.fix_tasks:
                    tasks.append(self._fix_task(contact))
                    self.fix_tasks.add(customer_id)
                continue
            seen = history.get(customer_id, History())
            chosen = self._choose(contact, dues, seen)
            message = chosen and self._message(contact, dues, chosen, seen, issue_dates)
            if message:
                messages.append(message)
        self.due.clear()
        self.open.clear()
        return messages, tasks

    def _choose(self, contact: Contact, dues: list[_Due], seen: History) -> ReminderStep | None:
        """The step the customer's message takes today, or None while it waits.

        Today's rule: the furthest step due. Catching up (go-live, or invoices already late
        when first seen): never more than one step beyond the furthest step the customer
        was ever written at (so its first message is at the first step), and then only
        ``min_gap_days`` business days after its previous message."""
        wanted = max(self.index[d.steps[-1].id] for d in dues)
        reached = max((self.index[s] for s in seen.steps if s in self.index), default=-1)
        if wanted <= reached + 1 and not seen.catching_up:
            return self.policy.reminders[wanted]
        nearest = min(
            (self.index[s.id] for d in dues for s in d.steps if self.index[s.id] > reached),
            default=wanted,
        )
        step = self.policy.reminders[nearest]
        gap = self.policy.go_live.min_gap_days
        if seen.last_date is not None:
            waited = self.setup.calendar.business_days_between(seen.last_date, self.as_of)
            if waited < gap:
                self.held.append({
                    "code": contact.code, "step": step.id, "template": step.template,
                    "last": seen.last_date, "gap": gap, "waited": waited,
                })
                return None
        return step

    def _message(
        self, contact: Contact, dues: list[_Due], chosen: ReminderStep, seen: History,
        issue_dates: dict[int, date],
    ) -> dict[str, Any] | None:
        limit = self.index[chosen.id]
        first = self.policy.reminders[0].template
        demanded: list[tuple[_Due, ReminderStep]] = []
        steps: list[dict[str, Any]] = []
        for due in dues:
            eligible = [s for s in due.steps if self.index[s.id] <= limit]
            top = eligible[-1] if eligible else None
            not_due = int(due.row["days_to_due"]) >= 0
            if top is not None and top.template == chosen.template and not (
                not_due and chosen.template != first
            ):
                demanded.append((due, top))
                eligible.remove(top)
                steps.append(self._step(due, top.id, superseded=False))
            # another template's step that day (or an earlier one): superseded for good
            steps.extend(self._step(due, s.id, superseded=True) for s in eligible)
        if not demanded:  # only receivables not yet due, at a step beyond the first
            return None
        demanded_ids = {d.row["id"] for d, _ in demanded}
        # steps already due but held back for the catch-up: the next message waits the gap
        waiting = {
            d.row["id"]: [s.id for s in d.steps if self.index[s.id] > limit] for d in dues
        }
        other_rows = [
            row for row in sorted(self.open.get(contact.id, []), key=lambda r: r["number"])
            if row["id"] not in demanded_ids
        ]
        items = [self._item(d.row, issue_dates, step.id) for d, step in demanded]
        if self.interest is not None:
            for item, (due, _) in zip(items, demanded, strict=True):
                item["interest"] = self.interest.get(due.row["id"], Decimal("0.00"))
        others = [self._item(row, issue_dates, None) for row in other_rows]
        rows = [d.row for d, _ in demanded] + other_rows
        stored = [_stored(i, waiting.get(r["id"], [])) for i, r in zip([*items, *others], rows,
                                                                        strict=True)]
        step_set = sorted({s.id for _, s in demanded}, key=self.index.__getitem__)
        key = f"{contact.code}|{'+'.join(step_set)}|{self.as_of}"
        review = any(s.review for _, s in demanded)
        language = contact.language if contact.language in LANGUAGES else "zh-CN"
        invoices = {i["invoice"] for i in items}
        previous = [p.as_dict() for p in seen.sent if invoices & set(p.invoices)]
        context = {
            "customer": {"code": contact.code, "name": contact.name, "language": language},
            "for_date": self.as_of,
            "step": chosen.id,
            "items": items,
            "totals": _totals(items),
            "other_items": others,
            "other_totals": _totals(others),
            "previous": previous,
            "sender": self.setup.sender,
            "review": review,
            "interest": self._interest(items),
        }
        rendered = self.setup.templates.render(chosen.template, language, context)
        return {
            "outbox": {
                "key": key,
                "customer_id": contact.id,
                "for_date": self.as_of,
                "template": chosen.template,
                "language": language,
                "to_addr": contact.email,
                "cc": self._cc([s for _, s in demanded], contact),
                "status": "review" if review else "pending",
                "step": chosen.id,
                "subject": rendered.subject,
                "body_text": rendered.text,
                "body_html": rendered.html,
                "message_id": message_id_for(key, self.setup.domain),
                "items": stored[: len(items)],
                "other_items": stored[len(items):],
                # built by the dispatcher at send time, as of for_date (notifiers/statement.py)
                "attach": sorted({s.attach for _, s in demanded if s.attach}),
                "attempts": 0,
                "last_error": "",
                "claimed_by": "",
            },
            "steps": steps,
            "rules": [f"reminder:{s}" for s in step_set],
            "policy_hash": self.policy.hash,
            "code": contact.code,
            "previous": [{"date": p["date"].isoformat(), "step": p["step"]} for p in previous],
        }

    def _interest(self, items: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The template's ``interest``: the rate, the day and the totals per currency above
        0 of the demanded items; None when notices show no interest."""
        terms = self.policy.interest
        if self.interest is None or terms is None:
            return None
        sums: dict[str, Decimal] = {}
        for item in items:
            sums[item["currency"]] = sums.get(item["currency"], Decimal("0.00")) + item["interest"]
        return {"rate_per_day": terms.rate_per_day, "to": self.as_of,
                "totals": [{"currency": c, "amount": sums[c]} for c in sorted(sums)
                           if sums[c] > 0]}

    def _step(self, due: _Due, step: str, *, superseded: bool) -> dict[str, Any]:
        return {"receivable_id": due.row["id"], "step": step, "for_date": self.as_of,
                "superseded": superseded}

    def _item(
        self, row: dict[str, Any], issue_dates: dict[int, date], step: str | None
    ) -> dict[str, Any]:
        item = {
            "invoice": row["number"],
            "issue_date": issue_dates.get(row["id"]),
            "due_date": self.as_of + timedelta(days=int(row["days_to_due"])),
            "days_overdue": -int(row["days_to_due"]),  # negative before the due date
            "balance": row["balance"],
            "currency": row["currency"],
        }
        return item if step is None else {**item, "step": step}

    def _cc(self, steps: list[ReminderStep], contact: Contact) -> list[str]:
        """The customer's other billing contacts, then the step's ``cc``: ``collector``
        means the customer's collector, an address stands for itself; each address once,
        never the ``to`` address again (any case)."""
        addresses: list[str] = []
        seen = {contact.email.lower()}
        wanted = [*contact.cc]
        for entry in (e for step in steps for e in step.cc):
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


def _stored(item: dict[str, Any], waiting: list[str]) -> dict[str, Any]:
    """An item as the outbox keeps it (JSON: the balance as a string); ``waiting``: steps
    already due but held back by the catch-up (ledger/reminder_store.History)."""
    stored: dict[str, Any] = {"invoice": item["invoice"]}
    if "step" in item:
        stored["step"] = item["step"]
    stored.update(balance=str(item["balance"]), currency=item["currency"],
                  days_overdue=item["days_overdue"])
    if "interest" in item:
        stored["interest"] = str(item["interest"])
    if waiting:
        stored["waiting"] = waiting
    return stored


def _totals(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: dict[str, dict[str, Any]] = {}
    for item in items:
        entry = totals.setdefault(
            item["currency"], {"currency": item["currency"], "amount": Decimal("0.00"), "count": 0}
        )
        entry["amount"] += item["balance"]
        entry["count"] += 1
    return [totals[c] for c in sorted(totals)]
