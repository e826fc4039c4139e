"""What a policy draft would change today, compared with the policy in force.

Both policies are run over the same facts by the daily cycle in dry run (it plans every
stage move, reminder, warning and task and writes nothing), and every open or held order
is checked again by each policy's order checks. The result is plain data, per kind and
per rule: how many subjects each policy would act on, and examples of the difference.

An open order already counts in its customer's exposure, so when it is checked again its
``exposure_after`` is today's exposure (adding its amount once more would count it twice).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from engine import Policy, RuleEngine
from engine.fx import MissingRate
from ledger import fx_store
from ledger.db import Engine, Session
from ledger.facts import OPEN_ORDER_STATUSES, customer_facts
from ledger.order_store import list_orders
from workflows.cycle import run_cycle
from workflows.reminders import MailSetup

KINDS = ("stage", "reminder", "warning_opened", "warning_closed", "task", "order")
EXAMPLES = 5
_KIND_OF = {"stage": "stage", "reminder": "reminder", "warning opened": "warning_opened",
            "warning closed": "warning_closed", "task": "task"}

# kind -> rule id -> subjects the rule acts on
Decisions = dict[str, dict[str, set[str]]]


@dataclass(frozen=True)
class RuleDiff:
    rule: str
    active: int
    draft: int
    added: list[str]  # examples: subjects only the draft acts on
    removed: list[str]  # examples: subjects only the active policy acts on

    @property
    def difference(self) -> int:
        return self.draft - self.active


@dataclass
class Preview:
    as_of: date
    active_hash: str
    draft_hash: str
    reminders_previewed: bool
    kinds: dict[str, list[RuleDiff]] = field(default_factory=dict)

    @property
    def changes(self) -> bool:
        """True when any rule acts on a different set of subjects."""
        return any(d.added or d.removed for rows in self.kinds.values() for d in rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(), "active_hash": self.active_hash,
            "draft_hash": self.draft_hash, "reminders_previewed": self.reminders_previewed,
            "kinds": {kind: [{"rule": d.rule, "active": d.active, "draft": d.draft,
                              "difference": d.difference, "added": d.added,
                              "removed": d.removed} for d in rows]
                      for kind, rows in self.kinds.items()},
        }


def preview(engine: Engine, active: Policy, draft: Policy, as_of: date,
            mail: MailSetup | None = None, book: str | None = None) -> Preview:
    """Compare ``draft`` with ``active`` on ``as_of``; nothing is written. Without ``mail``
    no reminders are planned (the cycle renders each email), so none are compared.
    ``book``: the book currency, so exposure and orders are seen as the cycle sees them."""
    before = decisions(engine, active, as_of, mail, book)
    after = decisions(engine, draft, as_of, mail, book)
    result = Preview(as_of, active.hash, draft.hash, mail is not None)
    for kind in KINDS:
        rules = sorted(before[kind].keys() | after[kind].keys())
        result.kinds[kind] = [_diff(rule, before[kind].get(rule, set()),
                                    after[kind].get(rule, set())) for rule in rules]
    return result


def _diff(rule: str, old: set[str], new: set[str]) -> RuleDiff:
    return RuleDiff(rule, len(old), len(new), sorted(new - old)[:EXAMPLES],
                    sorted(old - new)[:EXAMPLES])


def decisions(engine: Engine, policy: Policy, as_of: date, mail: MailSetup | None = None,
              book: str | None = None) -> Decisions:
    """Everything ``policy`` would do today, by kind and rule (a dry run: no writes)."""
    found: Decisions = {kind: defaultdict(set) for kind in KINDS}
    summary = run_cycle(engine, policy, as_of, dry_run=True, force=True, mail=mail, book=book)
    for change in summary.changes:
        kind = _KIND_OF[change["change"]]
        subject = change["subject"] or change.get("kind", "")
        for rule in str(change["rule"]).split("+"):
            found[kind][rule].add(subject)
    with Session(engine) as session:
        found["order"] |= order_decisions(session, policy, as_of, book)
    return found


def order_decisions(session: Session, policy: Policy, as_of: date, book: str | None = None
                    ) -> dict[str, set[str]]:
    """Open and held orders checked again: ``order:<check>`` -> the orders it fires for,
    ``decision:<decision>`` -> the orders that decision would be taken for. With ``book``,
    an order's amount is in the book currency as its check saw it (unconverted without a
    rate, as exposure leaves such money out)."""
    orders = [o for status in OPEN_ORDER_STATUSES for o in list_orders(session, status)]
    result: dict[str, set[str]] = defaultdict(set)
    if not orders:
        return result
    customers = customer_facts(session, as_of, book=book)
    by_code = {facts["customer.code"]: facts for facts in customers.values()}
    amount_of = _in_book(session, orders, as_of, book)
    facts = [{"id": index, "amount": amount_of(order), "currency": order["currency"],
              "exposure_after": by_code[order["customer"]]["customer.exposure"],
              **by_code[order["customer"]]}
             for index, order in enumerate(orders)]
    fired = RuleEngine.for_policy(policy).evaluate("order", facts)
    for index, order in enumerate(orders):
        rule_ids = fired.get(index, [])
        for rule_id in rule_ids:
            result[rule_id].add(str(order["number"]))
        decision = policy.order_decision(rule_ids)
        result[f"decision:{decision}"].add(str(order["number"]))
    return result


def _in_book(session: Session, orders: list[dict[str, Any]], as_of: date, book: str | None
             ) -> Callable[[dict[str, Any]], Decimal]:
    """An order's amount in the book currency at the day's rate (as it was when missing)."""
    codes = {o["currency"] for o in orders} - {book}
    if book is None or not codes:
        return lambda order: order["amount"]
    rates = fx_store.rates_on(session, book, as_of, codes)

    def amount(order: dict[str, Any]) -> Decimal:
        try:
            return rates.convert(order["amount"], order["currency"], as_of)
        except MissingRate:
            return order["amount"]

    return amount
