"""Logic checks of a policy that parses: does it do what a credit manager plainly means?

A policy can be valid YAML with valid conditions and still be wrong: ``legal`` reachable
before ``escalated``, a final notice before the first one, a rule that can never fire.
Each finding names the rule's file:line in a credit manager's words, with a message code
for the web app. Errors stop the policy from loading; warnings are printed by
``arflow policy check`` and leave it usable (docs/policy.md: Logic checks).
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from engine.errors import Args, Location, Problem
from engine.expressions import AllOf, AnyOf, Cond, Expression
from engine.facts import SCOPE_FACTS, Kind
from engine.intervals import negate, region
from engine.rule_order import Branch, before, branches, dayless, first_day
from engine.stages import OPEN_STAGES

STAGE_PATH = " → ".join(OPEN_STAGES)
_KIND_WORD = {"stage": "stage", "reminder": "reminder", "warning": "warning",
              "order": "order check"}
_WHOLE = {"receivable": "every receivable", "customer": "every customer",
          "order": "every order"}


class Rule(Protocol):
    """A rule of any kind, as the checks see it (StageRule, ReminderStep, ...)."""

    @property
    def rule_id(self) -> str: ...

    @property
    def when(self) -> Expression: ...

    @property
    def source(self) -> Location: ...


@dataclass
class Findings:
    """What the checks found: errors refuse the policy, warnings are only shown."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def add(self, error: bool, where: Location, message: str, code: str, **args: str) -> None:
        values: Args = tuple((name, str(value)) for name, value in args.items())
        (self.errors if error else self.warnings).append(
            Problem.at(where, message, "policy.check." + code, values))


def when_day(day: Decimal) -> str:
    """A day relative to the due date in words: at 1 day overdue, on the due date."""
    if not day.is_finite():
        return "on any day"
    n = int(day)
    if n == 0:
        return "on the due date"
    unit = "day" if abs(n) == 1 else "days"
    return f"at {n} {unit} overdue" if n > 0 else f"{-n} {unit} before the due date"


def check_rules(stages: Sequence[Rule], reminders: Sequence[Rule], warnings: Sequence[Rule],
                order_checks: Sequence[Rule]) -> Findings:
    """Every logic check of the rules (``stages`` in stage order, reminders in file order)."""
    found = Findings()
    settled: set[str] = set()  # errors already (never / always): no order to compare
    for rule in (*stages, *reminders, *warnings, *order_checks):
        if _never_or_always(found, rule):
            settled.add(rule.rule_id)
        _repeats(found, rule)
    _stage_order(found, [rule for rule in stages if rule.rule_id not in settled])
    _reminder_order(found, [rule for rule in reminders if rule.rule_id not in settled])
    for rules in (stages, reminders, warnings, order_checks):
        _duplicates(found, rules)
    return found


def check_buckets(provision: dict[str, Location], buckets: Collection[str]) -> Findings:
    """Provision rates must name the ageing buckets of settings (reports.ageing_buckets)."""
    found = Findings()
    known = ", ".join(buckets)
    for name, where in provision.items():
        if name in buckets:
            continue
        guess = difflib.get_close_matches(name, list(buckets), n=1, cutoff=0.6)
        hint = f" (did you mean '{guess[0]}'?)" if guess else ""
        found.add(True, where, (
            f"provision bucket '{name}' is not an ageing bucket{hint}; the buckets in "
            f"settings (reports.ageing_buckets) are: {known}"), "bucket",
            bucket=name, buckets=known, guess=guess[0] if guess else "")
    return found


def _split(rule: Rule) -> tuple[str, str]:
    kind, _, name = rule.rule_id.partition(":")
    return kind, name


def _kinds(rule: Rule) -> dict[str, Kind]:
    return SCOPE_FACTS[rule.when.scope]


def _never_or_always(found: Findings, rule: Rule) -> bool:
    """Report a rule that can never or always fire; True when that is an error."""
    kind, name = _split(rule)
    cond, kinds, text = rule.when.condition, _kinds(rule), rule.when.source
    what = f"{_KIND_WORD[kind]} '{name}'"
    # a stage or reminder step that never fires breaks the sequence; a warning or order
    # check that never fires changes nothing, and 'false' / 'true' are deliberate switches
    deliberate = not rule.when.facts
    serious = kind in ("stage", "reminder") and not deliberate
    if not region(cond, kinds):
        found.add(serious, rule.source, (
            f"{what} can never apply: no value meets '{text}' "
            f"({'it is always false' if deliberate else 'its parts exclude each other'})"),
            "never", kind=kind, name=name, condition=text)
        return serious
    if not region(negate(cond), kinds):
        whole = _WHOLE[rule.when.scope]
        error = kind == "stage" and not deliberate
        found.add(error, rule.source, (
            f"{what} always applies: '{text}' is true for {whole}"), "always",
            kind=kind, name=name, condition=text)
        return error
    return False


def _repeats(found: Findings, rule: Rule) -> None:
    """``a and a``: the same comparison twice in one condition (the second does nothing)."""
    try:
        tree = ast.parse(" ".join(rule.when.source.split()), mode="eval")
    except SyntaxError:
        return
    kind, name = _split(rule)
    for node in ast.walk(tree):
        if not isinstance(node, ast.BoolOp):
            continue
        seen: set[str] = set()
        for value in node.values:
            key = ast.dump(value)
            if key in seen:
                part = ast.unparse(value)
                found.add(False, rule.source, (
                    f"{_KIND_WORD[kind]} '{name}': '{part}' is written twice in its "
                    f"condition"), "repeat", kind=kind, name=name, part=part)
                return
            seen.add(key)


Parsed = Sequence[tuple[Rule, list[Branch]]]  # rules in order, each with its branches


def _parsed(rules: Sequence[Rule]) -> list[tuple[Rule, list[Branch]]]:
    """Each rule with its branches (engine/rule_order), worked out once for every check."""
    return [(rule, branches(rule.when.condition, _kinds(rule))) for rule in rules]


def _later_before_earlier(parsed: Parsed, skip: Collection[str] = ()
                          ) -> list[tuple[Rule, Decimal, Rule, Decimal]]:
    """Each rule that some receivable could meet before a rule above it (engine/rule_order:
    compared only where both can hold together), with the widest such gap."""
    found = []
    for index, (rule, mine) in enumerate(parsed):
        gaps = [(other, gap) for other, theirs in parsed[:index]
                if _split(other)[1] not in skip
                and (gap := before(mine, theirs, _kinds(rule))) is not None]
        if gaps:
            other, (start, other_start) = max(gaps, key=lambda pair: pair[1][1])
            found.append((rule, start, other, other_start))
    return found


def _stage_order(found: Findings, stages: Sequence[Rule]) -> None:
    """A later stage must not begin before an earlier one on the days around the due date,
    for the receivables both can apply to; a stage after due_soon needs a day in each of
    its branches, or it can apply before the due date."""
    late_due_soon = False
    parsed = _parsed(stages)
    for rule, ways in parsed:
        name = _split(rule)[1]
        start = first_day(ways)
        if name == "due_soon" and start is not None and start > 0:
            late_due_soon = True
            found.add(True, rule.source, (
                f"due_soon starts {when_day(start)}, after the due date: due_soon comes "
                f"before the due date (e.g. days_to_due <= 7)"), "due_soon_late",
                at=str(start))
        elif name != "due_soon" and dayless(ways):
            part = "one of its 'or' parts has" if isinstance(rule.when.condition, AnyOf) \
                else "it has"
            found.add(True, rule.source, (
                f"{name} can apply before the due date ({part} no condition on days, e.g. "
                f"days_overdue >= 30)"), "stage_dayless", stage=name)
    skip = ("due_soon",) if late_due_soon else ()
    for rule, start, other, other_start in _later_before_earlier(parsed, skip):
        name, other_name = _split(rule)[1], _split(other)[1]
        found.add(True, rule.source, (
            f"{name} starts {when_day(start)}, before {other_name} "
            f"({when_day(other_start)}): stages go {STAGE_PATH}"), "stage_order",
            stage=name, at=str(start), earlier=other_name, earlier_at=str(other_start))


def _reminder_order(found: Findings, reminders: Sequence[Rule]) -> None:
    """Reminder steps are a sequence: a step must not be due before a step above it, for
    the receivables both can apply to."""
    for rule, start, other, other_start in _later_before_earlier(_parsed(reminders)):
        name, other_name = _split(rule)[1], _split(other)[1]
        found.add(True, rule.source, (
            f"reminder '{name}' can go out {when_day(start)}, before '{other_name}' "
            f"({when_day(other_start)}) above it: reminder steps are a sequence, in the "
            f"order they are written"), "reminder_order",
            step=name, at=str(start), earlier=other_name, earlier_at=str(other_start))


def _normal(cond: Cond) -> object:
    """A condition's tree with the order of and / or parts ignored."""
    if isinstance(cond, AllOf | AnyOf):
        parts = sorted((_normal(part) for part in cond.parts), key=repr)
        return (type(cond).__name__, tuple(parts))
    return cond


def _duplicates(found: Findings, rules: Sequence[Rule]) -> None:
    first: dict[object, Rule] = {}
    for rule in rules:
        key = (rule.when.scope, _normal(rule.when.condition))
        other = first.setdefault(key, rule)
        if other is rule:
            continue
        kind, name = _split(rule)
        other_name = _split(other)[1]
        found.add(False, rule.source, (
            f"{_KIND_WORD[kind]} '{name}' has the same condition as '{other_name}' "
            f"({other.source})"), "duplicate",
            kind=kind, name=name, other=other_name, other_where=str(other.source))
