"""Which fact values a condition can hold for: a union of boxes, one range or choice per fact.

The logic checks (engine/policy_checks.py) need to know whether a ``when:`` can ever be
true, whether it is always true, and from which day on a time-like fact it can first hold.
Comparisons of a fact with a constant become exact per-fact constraints; anything else
(arithmetic, fact against fact) is "unknown", which counts as "any value". So the region
over-approximates: a rule reported as never firing truly never fires, and one reported
as always firing truly always does. Nothing here guesses.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from decimal import Decimal

from engine.expressions import (
    _NEGATE,
    AllOf,
    Always,
    AnyOf,
    Compare,
    Cond,
    Const,
    FactRef,
    Member,
)
from engine.facts import NULLABLE_FACTS, Kind
from engine.stages import ALL_STAGES

MAX_BOXES = 256  # beyond this a condition counts as "unknown" (any value)

# facts that are never negative (days and counts): engine/facts.py FACT_MEANINGS
NON_NEGATIVE: frozenset[str] = frozenset({
    "days_overdue", "days_in_stage", "reminders_sent", "customer.max_days_overdue",
    "customer.broken_promises_90d",
})
# text and true/false facts whose every value is known
CHOICES: dict[str, frozenset[object]] = {"stage": frozenset(ALL_STAGES)}
_BOOL: frozenset[object] = frozenset({True, False})


@dataclass(frozen=True)
class Range:
    """Numbers from ``lo`` to ``hi`` (None: no end); ``*_open``: the end itself excluded."""

    lo: Decimal | None = None
    hi: Decimal | None = None
    lo_open: bool = False
    hi_open: bool = False

    def meet(self, other: Range) -> Range:
        lo, lo_open = _tighter(self.lo, self.lo_open, other.lo, other.lo_open, lower=True)
        hi, hi_open = _tighter(self.hi, self.hi_open, other.hi, other.hi_open, lower=False)
        return Range(lo, hi, lo_open, hi_open)

    def whole(self) -> Range:
        """Whole numbers only: open or fractional ends moved inward to closed integers."""
        lo = hi = None
        if self.lo is not None:
            lo = Decimal(math.floor(self.lo) + 1 if self.lo_open else math.ceil(self.lo))
        if self.hi is not None:
            hi = Decimal(math.ceil(self.hi) - 1 if self.hi_open else math.floor(self.hi))
        return Range(lo, hi)

    @property
    def empty(self) -> bool:
        if self.lo is None or self.hi is None:
            return False
        return self.lo > self.hi or (self.lo == self.hi and (self.lo_open or self.hi_open))


def _tighter(a: Decimal | None, a_open: bool, b: Decimal | None, b_open: bool,
             lower: bool) -> tuple[Decimal | None, bool]:
    """The tighter of two ends: the larger lower end, the smaller upper end."""
    if a is None:
        return b, b_open
    if b is None or (a > b if lower else a < b):
        return a, a_open
    if a == b:
        return a, a_open or b_open
    return b, b_open


@dataclass(frozen=True)
class Choice:
    """Values of a text or true/false fact: ``values``, or all but them when ``exclude``."""

    values: frozenset[object]
    exclude: bool = False

    def meet(self, other: Choice) -> Choice:
        if self.exclude and other.exclude:
            return Choice(self.values | other.values, True)
        if self.exclude:
            return Choice(other.values - self.values)
        if other.exclude:
            return Choice(self.values - other.values)
        return Choice(self.values & other.values)


Constraint = Range | Choice
Box = dict[str, Constraint]  # a conjunction; a fact absent from it may take any value
Region = list[Box]  # a union; [] is empty, [{}] is everything


def region(cond: Cond, kinds: dict[str, Kind]) -> Region:
    """The boxes of fact values for which ``cond`` holds (over-approximated)."""
    if isinstance(cond, Always):
        return [{}] if cond.value else []
    if isinstance(cond, Compare | Member):
        boxes = _atom(cond, kinds)
        return [] if boxes is None else [box for box in boxes if not _empty(box, kinds)]
    if isinstance(cond, AnyOf):
        boxes = [box for part in cond.parts for box in region(part, kinds)]
        return boxes if len(boxes) <= MAX_BOXES else [{}]
    result: Region = [{}]
    for part in cond.parts:
        sub = region(part, kinds)
        if len(result) * len(sub) > MAX_BOXES:
            return [{}]
        result = [merged for a, b in itertools.product(result, sub)
                  if not _empty(merged := _meet(a, b), kinds)]
    return result


def negate(cond: Cond) -> Cond:
    """A condition true wherever ``cond`` is false (over-approximated for nullable facts:
    where a null makes both false, the negation counts as "any value")."""
    if isinstance(cond, Always):
        return Always(not cond.value)
    if isinstance(cond, AllOf):
        return AnyOf(tuple(negate(part) for part in cond.parts))
    if isinstance(cond, AnyOf):
        return AllOf(tuple(negate(part) for part in cond.parts))
    if isinstance(cond, Compare):
        if isinstance(cond.right, Const) and cond.right.value is None:
            return Compare("!=" if cond.op == "==" else "==", cond.left, cond.right)
        if not (isinstance(cond.left, FactRef) and isinstance(cond.right, Const)) \
                or cond.left.name in NULLABLE_FACTS:
            return Always(True)
        return Compare(_NEGATE[cond.op], cond.left, cond.right)
    if isinstance(cond.operand, FactRef) and cond.operand.name not in NULLABLE_FACTS:
        return Member(cond.operand, cond.values, not cond.negated)
    return Always(True)


def _atom(cond: Compare | Member, kinds: dict[str, Kind]) -> list[Box] | None:
    """One comparison as boxes; [{}] when it is not a fact against a constant."""
    fact = cond.operand if isinstance(cond, Member) else cond.left
    if not isinstance(fact, FactRef):
        return [{}]
    name = fact.name
    if isinstance(cond, Member):
        return [{name: Choice(frozenset(c.value for c in cond.values), cond.negated)}]
    right = cond.right
    if not isinstance(right, Const):
        return [{}]
    if right.value is None:  # a presence test
        if name in NULLABLE_FACTS:
            return [{}]
        return [{}] if cond.op == "!=" else None
    if isinstance(right.value, Decimal) and kinds.get(name) in ("money", "int", "number"):
        value = right.value
        ranges = {"<": [Range(hi=value, hi_open=True)], "<=": [Range(hi=value)],
                  ">": [Range(lo=value, lo_open=True)], ">=": [Range(lo=value)],
                  "==": [Range(value, value)],
                  "!=": [Range(hi=value, hi_open=True), Range(lo=value, lo_open=True)]}
        return [{name: found} for found in ranges[cond.op]]
    if cond.op in ("==", "!="):
        return [{name: Choice(frozenset({right.value}), cond.op == "!=")}]
    return [{}]


def _meet(a: Box, b: Box) -> Box:
    merged = dict(a)
    for name, constraint in b.items():
        mine = merged.get(name)
        if mine is None:
            merged[name] = constraint
        elif isinstance(mine, Range) and isinstance(constraint, Range):
            merged[name] = mine.meet(constraint)
        elif isinstance(mine, Choice) and isinstance(constraint, Choice):
            merged[name] = mine.meet(constraint)
    return merged


def overlap(a: Box, b: Box, kinds: dict[str, Kind]) -> Box | None:
    """The values both boxes allow, or None when no value is in both."""
    merged = _meet(a, b)
    return None if _empty(merged, kinds) else merged


def within(inner: Box, outer: Box, kinds: dict[str, Kind]) -> bool:
    """Every value of ``inner`` is in ``outer`` (a fact ``outer`` limits and ``inner`` does
    not counts as not within: an under-approximation, so a "not within" may be wrong but a
    "within" is sure)."""
    for name, limit in outer.items():
        mine = inner.get(name)
        if mine is None or type(mine) is not type(limit):
            return False
        if isinstance(mine, Range):
            assert isinstance(limit, Range)
            narrowed = fact_range({name: mine.meet(limit)}, name, kinds)
            if narrowed != fact_range({name: mine}, name, kinds):
                return False
        elif mine.meet(limit) != mine:  # type: ignore[arg-type]
            return False
    return True


def fact_range(box: Box, name: str, kinds: dict[str, Kind]) -> Range:
    """The values ``name`` can take in ``box``, within its domain (whole numbers for days)."""
    found = box.get(name)
    span = found if isinstance(found, Range) else Range()
    if name in NON_NEGATIVE:
        span = span.meet(Range(lo=Decimal(0)))
    return span.whole() if kinds.get(name) == "int" else span


def _empty(box: Box, kinds: dict[str, Kind]) -> bool:
    for name, constraint in box.items():
        if isinstance(constraint, Range):
            if fact_range(box, name, kinds).empty:
                return True
            continue
        domain = _BOOL if kinds.get(name) == "bool" else CHOICES.get(name)
        if constraint.exclude:
            if domain is not None and domain <= constraint.values:
                return True
        elif not constraint.values or (domain is not None and not constraint.values & domain):
            return True
    return timeline(box, kinds).empty


def timeline(box: Box, kinds: dict[str, Kind]) -> Range:
    """The days relative to the due date (0: the due date, 1: one day overdue, -3: three
    days before) on which ``box`` can hold, from days_overdue and days_to_due.

    days_to_due is due date - as-of, so day ``t`` has days_to_due = -t; days_overdue is
    max(0, t), so days_overdue >= 1 means t >= 1 but days_overdue = 0 means any t <= 0.
    """
    span = Range()
    if "days_to_due" in box:
        due = fact_range(box, "days_to_due", kinds)
        span = span.meet(Range(None if due.hi is None else -due.hi,
                               None if due.lo is None else -due.lo))
    if "days_overdue" in box:
        late = fact_range(box, "days_overdue", kinds)
        if late.lo is not None and late.lo >= 1:
            span = span.meet(Range(lo=late.lo))
        if late.hi is not None:
            span = span.meet(Range(hi=late.hi))
    return span


ANY_DAY = Decimal("-Infinity")  # a time-bound part with no first day: from the start
