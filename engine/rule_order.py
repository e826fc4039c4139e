"""When the rules of a sequence (stages, reminder steps) can first apply, compared only
where two rules can hold for the same receivable.

A rule's condition is a union of branches (engine/intervals.region); each branch gives a
first day relative to the due date (from days_overdue / days_to_due) and limits on the
other facts (balance, segment, stage ...). ``big-final: days_overdue >= 30 and balance >=
100000`` and ``small-final: days_overdue >= 21 and balance < 100000`` never meet the same
receivable, so their days are not compared; ``legal: days_overdue >= 20 and balance <
100000`` under an escalated that starts at 30 for those balances is out of order for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.expressions import Cond
from engine.facts import Kind
from engine.intervals import ANY_DAY, Box, overlap, region, timeline, within

TIME_FACTS = frozenset({"days_overdue", "days_to_due"})


@dataclass(frozen=True)
class Branch:
    """One branch of a condition: its first day (None: no condition on days) and its
    limits on every other fact."""

    start: Decimal | None
    others: Box


def branches(cond: Cond, kinds: dict[str, Kind]) -> list[Branch]:
    found = []
    for box in region(cond, kinds):
        start = None
        if TIME_FACTS & box.keys():
            first = timeline(box, kinds).lo
            start = ANY_DAY if first is None else first
        found.append(Branch(start, {k: v for k, v in box.items() if k not in TIME_FACTS}))
    return found


def first_day(rule: list[Branch]) -> Decimal | None:
    """The earliest day of any branch naming a day (None: none does)."""
    starts = [b.start for b in rule if b.start is not None]
    return min(starts) if starts else None


def before(later: list[Branch], earlier: list[Branch], kinds: dict[str, Kind]
           ) -> tuple[Decimal, Decimal] | None:
    """``(day later starts, day earlier starts)`` when some receivable could meet ``later``
    before ``earlier``, else None; of several such pairs, the earliest ``earlier`` start
    (the day a credit manager compares with: "escalated starts at 15 at the earliest").

    A later branch is out of order against an earlier branch that starts after it and can
    hold for the same receivable, unless another earlier branch starting no later covers
    every such receivable."""
    worst: tuple[Decimal, Decimal] | None = None
    for b in later:
        if b.start is None:
            continue
        for e in earlier:
            if e.start is None or e.start <= b.start:
                continue
            shared = overlap(b.others, e.others, kinds)
            if shared is None or any(
                    (o.start is None or o.start <= b.start) and within(shared, o.others, kinds)
                    for o in earlier):
                continue
            if worst is None or (e.start, b.start) < (worst[1], worst[0]):
                worst = (b.start, e.start)
    return worst


def dayless(rule: list[Branch]) -> bool:
    """A branch with no condition on days and none on the stage: it can hold on the day
    the invoice is issued, before its due date."""
    return any(b.start is None and "stage" not in b.others for b in rule)
