"""One policy replayed over past days in memory: what its cycle would have decided.

A ``Replay`` holds one policy's state per receivable (stage, since when, reminder steps
recorded), the warnings and tasks it holds open, each customer's reminder history, and
the counts a simulation compares. Each day it is handed the day's facts (computed once
for both policies by workflows/simulate.py) and decides as the cycle does, with the
cycle's own functions: the rules (``RuleEngine.evaluate_plain``, the same answers as
durable_rules), the jump check and the target stage (workflows/decisions), the walk
through the lifecycle, the reminder planner (workflows/reminders, its emails not
rendered) and the warnings' open/close rule. Nothing is written anywhere.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine import Policy, RuleEngine
from ledger.reads.history import PastBook
from ledger.reminder_store import Contact, History
from notifiers.templates import Rendered, Templates
from workflows.calendar import BusinessCalendar
from workflows.decisions import StageRules, target_stage, walk
from workflows.lifecycle import StageRow
from workflows.reminders import MailSetup, ReminderPlanner
from workflows.watches import BUILTIN_LEVELS


class Unrendered(Templates):
    """Templates that render nothing: a simulation counts emails, it never shows one."""

    def __init__(self) -> None:  # no folder: nothing is read
        pass

    def render(self, name: str, language: str, context: Any) -> Rendered:
        return Rendered("", "", "")


def week_of(day: date) -> str:
    """The ISO week a day falls in, as ``2026-W07``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Counts:
    """What one policy did over the period."""

    stage_moves: Counter[str] = field(default_factory=Counter)
    messages_per_step: Counter[str] = field(default_factory=Counter)
    messages_per_week: Counter[str] = field(default_factory=Counter)
    contacted: set[int] = field(default_factory=set)
    tasks: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    warnings: Counter[str] = field(default_factory=Counter)
    orders: Counter[str] = field(default_factory=Counter)


class Replay:
    """One policy's cycle, day after day, over a ``PastBook``."""

    def __init__(self, policy: Policy, book: PastBook, calendar: BusinessCalendar,
                 contacts: dict[int, Contact], history: dict[int, History]) -> None:
        self.policy = policy
        self.rules = RuleEngine.for_policy(policy)
        self.mail = MailSetup(templates=Unrendered(), calendar=calendar)
        self.contacts = contacts
        self.history = {cid: History(h.last_date, set(h.steps), [], h.catching_up)
                        for cid, h in history.items()}
        self.fix_tasks: set[int] = set()
        self.counts = Counts()
        self.stages = StageRules.of(policy)
        self.levels = {**BUILTIN_LEVELS, **{w.id: w.level for w in policy.warnings}}
        # a disputed receivable keeps the stage the dispute holds (its facts' ``stage``)
        self.stage = {r.id: (r.resume_stage or "current") if r.stage == "disputed" else r.stage
                      for r in book.receivables}
        self.since = {r.id: r.stage_since for r in book.receivables}
        self.done = {r.id: set(r.steps_done) for r in book.receivables}
        self.sent = {r.id: r.sent for r in book.receivables}
        self.open_warnings: dict[tuple[str, str], set[str]] = defaultdict(set)
        for rule_id, scope, subject in book.warnings:
            if rule_id not in BUILTIN_LEVELS:  # the built-in watches are not replayed
                self.open_warnings[(scope, subject)].add(rule_id)
        self.tasks = {key: set(ids) for key, ids in book.tasks.items()}
        self.entered: dict[int, dict[str, date]] = defaultdict(dict)  # first day per stage
        self.reminded: dict[int, list[tuple[date, str]]] = defaultdict(list)

    # ------------------------------------------------------------------ one day

    def day(self, on: date, items: list[dict[str, Any]], customers: list[dict[str, Any]],
            closed: list[dict[str, Any]]) -> None:
        """``items``: the open receivables' facts without the policy's own (stage, days in
        stage, reminders sent), which are set here; ``customers``: every customer's facts;
        ``closed``: receivables gone today without a cycle's move (written off)."""
        for facts in items:
            rid = facts["id"]
            facts["stage"] = self.stage[rid]
            facts["days_in_stage"] = (on - self.since[rid]).days
            facts["reminders_sent"] = self.sent[rid]
        fired = self.rules.evaluate_plain("receivable", items)
        planner = ReminderPlanner(self.policy, self.mail, self.contacts, on, self.fix_tasks)
        for facts in items:
            rid = facts["id"]
            rule_ids = self.stages.confirm_jumps(facts, fired[rid])
            self._move(on, facts, rule_ids)
            settled = facts["balance"] <= 0
            active = set() if settled else {r[8:] for r in rule_ids if r.startswith("warning:")}
            self._warnings("receivable", facts["number"], active)
            if not settled:
                planner.consider(facts, facts, rule_ids, self.done[rid])
        for facts in closed:
            self._warnings("receivable", facts["number"], set())
        self._messages(on, planner)
        fired = self.rules.evaluate_plain("customer", customers)
        for facts in customers:
            active = {r[8:] for r in fired[facts["id"]] if r.startswith("warning:")}
            self._warnings("customer", facts["customer.code"], active)
        self._leave([f for f in items if f["balance"] <= 0 or f["disputed"] or f["promised"]]
                    + closed)

    def _move(self, on: date, facts: dict[str, Any], rule_ids: list[str]) -> None:
        decision = target_stage(facts, rule_ids)
        if decision is None:
            return
        rid = facts["id"]
        row = StageRow(rid, facts["stage"], None)
        walk(row, decision[0])
        entered = self.entered[rid]
        for _, dest in row.steps:
            self.counts.stage_moves[dest] += 1
            entered.setdefault(dest, on)
        self.stage[rid], self.since[rid] = row.stage, on
        for spec in self.stages.on_enter.get(row.stage, []):
            collector = facts["collector"]
            assignee = (collector or "") if spec.assign == "collector" else spec.assign
            self._task(on, (facts["customer_id"], spec.kind, assignee), rid)

    def _task(self, on: date, key: tuple[int, str, str], rid: int | None) -> None:
        """Open the customer's task of that kind and assignee, or join the one open."""
        if key not in self.tasks:
            self.tasks[key] = set()
            self.counts.tasks[key[2]][week_of(on)] += 1
        if rid is not None:
            self.tasks[key].add(rid)

    def _leave(self, gone: list[dict[str, Any]]) -> None:
        """Paid, disputed, promised or written-off receivables leave their tasks; a task
        whose receivables have all left closes (ledger/task_store.leaving)."""
        ids = {facts["id"] for facts in gone}
        if not ids:
            return
        for key in [k for k, members in self.tasks.items() if members & ids]:
            self.tasks[key] -= ids
            if not self.tasks[key]:
                del self.tasks[key]

    def _warnings(self, scope: str, subject: str, active: set[str]) -> None:
        """Open what holds and is not open yet, close what no longer holds, as the
        planner does (workflows/planner._plan_warnings); only openings are counted."""
        key = (scope, subject)
        already = self.open_warnings.get(key, set())
        if active == already:
            return
        for rule_id in active - already:
            self.counts.warnings[self.levels[rule_id]] += 1
        if active:
            self.open_warnings[key] = set(active)
        else:
            self.open_warnings.pop(key, None)

    def _messages(self, on: date, planner: ReminderPlanner) -> None:
        """The day's reminder emails: counted, and remembered as the cycle records them."""
        if not planner.due:
            return
        dates = {row["id"]: row["issue_date"] for rows in planner.open.values() for row in rows}
        messages, tasks = planner.messages(dates, self.history)
        for task in tasks:
            self._task(on, task.key, None)
        for message in messages:
            outbox = message["outbox"]
            cid = outbox["customer_id"]
            self.counts.messages_per_step[outbox["step"]] += 1
            self.counts.messages_per_week[week_of(on)] += 1
            self.counts.contacted.add(cid)
            for step in message["steps"]:
                rid = step["receivable_id"]
                self.done[rid].add(step["step"])
                if not step["superseded"]:
                    self.sent[rid] += 1
                    self.reminded[rid].append((on, step["step"]))
            seen = self.history.setdefault(cid, History())
            seen.last_date = on
            seen.steps.add(outbox["step"])
            seen.catching_up = any(item.get("waiting")
                                   for item in [*outbox["items"], *outbox["other_items"]])

    def order(self, facts: list[dict[str, Any]]) -> dict[Any, str]:
        """Each order's decision under this policy: the strictest check that fires."""
        fired = self.rules.evaluate_plain("order", facts)
        found = {}
        for item in facts:
            decision = self.policy.order_decision(fired[item["id"]])
            self.counts.orders[decision] += 1
            found[item["id"]] = decision
        return found
