"""One side of a simulation as the cycle runs it: a policy and, when it names a challenger,
the challenger for its customers (engine/challenger.arm_of, Policy.for_arm), each arm a
``Replay`` over its own customers, as workflows/cycle._contexts gives each arm a DayContext.

Without this the champion would decide for every customer and "in force" would not be
what the cycle did. Every state a replay keeps (stages, reminder history, tasks, warnings)
belongs to one customer, so the arms never share any and their counts simply add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from engine import Policy
from engine.challenger import ARMS, Arm, arm_of
from ledger.reads.history import PastBook
from ledger.reminder_store import Contact, History
from workflows.calendar import BusinessCalendar
from workflows.replay import Counts, Replay


class Side:
    """The policy in force or the candidate, replayed arm by arm."""

    def __init__(self, policy: Policy, book: PastBook, calendar: BusinessCalendar,
                 contacts: dict[int, Contact], history: dict[int, History]) -> None:
        self.policy = policy
        arms: tuple[Arm, ...] = ARMS if policy.challenger is not None else ("champion",)
        self.replays = {arm: Replay(policy.for_arm(arm), book, calendar, contacts, history)
                        for arm in arms}
        self.arm = {cid: self._arm(c.code, c.segment) for cid, c in book.customers.items()}
        self.customer_of = {r.id: r.customer_id for r in book.receivables}

    def _arm(self, code: str, segment: str | None) -> Arm:
        return arm_of(self.policy.challenger, code, segment)

    @property
    def hashes(self) -> dict[str, str]:
        """``policy_hash`` and, with a challenger, ``challenger_hash``: what decided."""
        found = {"policy_hash": self.policy.hash}
        if "challenger" in self.replays:
            found["challenger_hash"] = self.replays["challenger"].policy.hash
        return found

    @property
    def policies(self) -> list[Policy]:
        return [replay.policy for replay in self.replays.values()]

    def replay_of(self, rid: int) -> Replay:
        """The replay that decided for a receivable: its customer's arm's."""
        return self.replays[self.arm[self.customer_of[rid]]]

    def _split(self, rows: Iterable[dict[str, Any]], key: str) -> dict[Arm, list[dict[str, Any]]]:
        parts: dict[Arm, list[dict[str, Any]]] = {arm: [] for arm in self.replays}
        for row in rows:
            parts[self.arm[row[key]]].append(row)
        return parts

    def day(self, on: date, items: list[dict[str, Any]], customers: list[dict[str, Any]],
            closed: list[dict[str, Any]]) -> None:
        """Replay.day for each arm over its customers' receivables and facts."""
        if len(self.replays) == 1:
            self.replays["champion"].day(on, items, customers, closed)
            return
        items_by, customers_by = self._split(items, "customer_id"), self._split(customers, "id")
        closed_by = self._split(closed, "customer_id")
        for arm, replay in self.replays.items():
            replay.day(on, items_by[arm], customers_by[arm], closed_by[arm])

    def order(self, facts: list[dict[str, Any]]) -> dict[Any, str]:
        """Each order decided by its customer's arm (workflows/orders.py does the same)."""
        found: dict[Any, str] = {}
        for arm, replay in self.replays.items():
            mine = [f for f in facts if self._arm(f["customer.code"], f["customer.segment"]) == arm]
            if mine:
                found.update(replay.order(mine))
        return found

    @property
    def counts(self) -> Counts:
        """Both arms' counts added up."""
        total = Counts()
        for replay in self.replays.values():
            c = replay.counts
            total.stage_moves += c.stage_moves
            total.messages_per_step += c.messages_per_step
            total.messages_per_week += c.messages_per_week
            total.contacted |= c.contacted
            for who, weeks in c.tasks.items():
                total.tasks[who] += weeks
            total.warnings += c.warnings
            total.orders += c.orders
        return total
