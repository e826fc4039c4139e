"""Checked conditions -> durable_rules ruleset definitions (plain JSON), one per scope.

What durable_rules 2.0.28 does correctly here, and so all we emit: a fact's field
compared with a constant (``$lt $lte $gt $gte $neq``, equality), ``$and`` and ``$or``.
Field-vs-field comparisons and ``$add/$sub/$mul/$div`` fire for every fact and ``$nex``
spins, so any comparison that is not (fact, constant) becomes a *derived term*: the
evaluator computes it in Python per fact (with the plain evaluator's own function, so
both agree by construction) into a synthetic key ``__tN``, and durable matches that key
against ``true``. Null facts are left out of the JSON: a missing key matches nothing.

durable_rules also has fixed-size tables; the limits are checked here, at load time,
so a policy that would fail mid-cycle is refused with file:line instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.errors import Location, Problem
from engine.expressions import (
    AllOf,
    Always,
    AnyOf,
    Compare,
    Cond,
    Const,
    Expression,
    FactRef,
    Member,
    Values,
    facts_of,
    plain_condition,
)
from engine.facts import SCOPE_FACTS, Kind, Scope, json_key, money_cents

MAX_RULES_PER_SCOPE = 200
# durable_rules' alpha network walk keeps pending nodes on a stack of 64 (events.c,
# MAX_STACK_SIZE); measured: 64 distinct tests that all hold for one fact work, 65 fail.
MAX_PENDING_TESTS = 64
MAX_CHILDREN = 500  # NEXT_BUCKET_LENGTH (512) children per node; beyond: ruleset refused
MAX_OR_JOINS = 120  # NEXT_LIST_LENGTH (128) or-joins hanging off one node
MAX_PATHS = 256  # an or of ors fires once per matching path; keep that bounded

_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}


@dataclass(frozen=True)
class RuleSpec:
    """One rule of a scope: its id (``stage:overdue``), condition and where it is written."""

    rule_id: str
    when: Expression
    source: Location


@dataclass
class CompiledScope:
    """Everything needed to run one scope's rules, on durable_rules or in plain Python."""

    scope: Scope
    rules: list[RuleSpec]
    # fact name, JSON key, kind, whether durable reads it (else only derived terms do)
    inputs: list[tuple[str, str, Kind, bool]] = field(default_factory=list)
    derived: list[tuple[str, Callable[[Values], bool]]] = field(default_factory=list)
    # rule index -> durable expression (the ``m`` of ``{"all": [{"m": ...}]}``)
    durable: dict[int, dict[str, Any]] = field(default_factory=dict)
    always: list[int] = field(default_factory=list)  # conditions that are constantly true

    @property
    def rule_ids(self) -> list[str]:
        return [rule.rule_id for rule in self.rules]

    def definition(self, actions: Callable[[int], Callable[[Any], None]]) -> dict[str, Any]:
        """A fresh durable ruleset definition (durable mutates it), one action per rule."""
        return {self.rules[index].rule_id: {"all": [{"m": expr}], "run": actions(index)}
                for index, expr in self.durable.items()}


def compile_scope(scope: Scope, rules: list[RuleSpec]) -> tuple[CompiledScope, list[Problem]]:
    """Compile a scope's rules; problems name the rule at fault."""
    compiled = CompiledScope(scope, list(rules))
    problems: list[Problem] = []
    if len(rules) > MAX_RULES_PER_SCOPE:
        extra = rules[MAX_RULES_PER_SCOPE]
        problems.append(Problem.at(extra.source, (
            f"too many {scope} rules: {len(rules)} (at most {MAX_RULES_PER_SCOPE} per scope; "
            f"durable_rules fails with hundreds of rules in one ruleset)")))
        return compiled, problems
    emitter = _Emitter(SCOPE_FACTS[scope])
    network = _Network()
    for index, rule in enumerate(rules):
        cond = rule.when.condition
        if isinstance(cond, Always):
            if cond.value:
                compiled.always.append(index)
            continue
        paths = _paths(cond)
        if paths > MAX_PATHS:
            problems.append(Problem.at(rule.source, (
                f"{rule.rule_id}: condition has {paths} alternative paths (at most "
                f"{MAX_PATHS}); simplify its nested or-conditions")))
            continue
        expr = emitter.emit(cond)
        trouble = network.add(expr)
        if trouble:
            problems.append(Problem.at(rule.source, f"{rule.rule_id}: {trouble}"))
            continue
        compiled.durable[index] = expr
    compiled.inputs = emitter.inputs()
    compiled.derived = emitter.derived
    return compiled, problems


class _Emitter:
    """Builds durable expressions, collecting the inputs and derived terms they need."""

    def __init__(self, kinds: dict[str, Kind]) -> None:
        self.kinds = kinds
        self.direct: set[str] = set()
        self.used: set[str] = set()
        self.terms: dict[Cond, str] = {}
        self.derived: list[tuple[str, Callable[[Values], bool]]] = []

    def inputs(self) -> list[tuple[str, str, Kind, bool]]:
        return [(name, json_key(name), kind, name in self.direct)
                for name, kind in self.kinds.items() if name in self.used]

    def emit(self, cond: Cond) -> dict[str, Any]:
        if isinstance(cond, AllOf):
            return {"$and": [self.emit(part) for part in cond.parts]}
        if isinstance(cond, AnyOf):
            return {"$or": [self.emit(part) for part in cond.parts]}
        if isinstance(cond, Compare) and isinstance(cond.left, FactRef) \
                and isinstance(cond.right, Const) and cond.right.value is not None:
            key, value = self._field(cond.left), _json(cond.left.kind, cond.right.value)
            if cond.op == "==":
                return {key: value}
            return {_OPS[cond.op]: {key: value}}
        if isinstance(cond, Member) and isinstance(cond.operand, FactRef):
            key, kind = self._field(cond.operand), cond.operand.kind
            values = [_json(kind, const.value) for const in cond.values]
            if cond.negated:
                tests = [{"$neq": {key: value}} for value in values]
                return tests[0] if len(tests) == 1 else {"$and": tests}
            tests = [{key: value} for value in values]
            return tests[0] if len(tests) == 1 else {"$or": tests}
        return {self._derived(cond): True}

    def _field(self, fact: FactRef) -> str:
        self.direct.add(fact.name)
        self.used.add(fact.name)
        return json_key(fact.name)

    def _derived(self, cond: Cond) -> str:
        if cond not in self.terms:
            key = f"__t{len(self.terms)}"
            self.terms[cond] = key
            self.derived.append((key, plain_condition(cond)))
            self.used.update(facts_of(cond))
        return self.terms[cond]


def _json(kind: Kind, value: Any) -> Any:
    """A constant as durable compares it with a fact of ``kind`` (money in cents)."""
    if not isinstance(value, Decimal):
        return value
    if kind == "money":
        return money_cents(value)[1]
    if kind == "int" and value == value.to_integral_value():
        return int(value)
    return float(value)


def _paths(cond: Cond) -> int:
    if isinstance(cond, AllOf):
        total = 1
        for part in cond.parts:
            total *= _paths(part)
        return total
    if isinstance(cond, AnyOf):
        return sum(_paths(part) for part in cond.parts)
    return 1  # an in-list is an or of equalities on one field: at most one path holds


class _Node:
    """An alpha node as durable_rules builds it (rete.c: findAlpha/createAlpha)."""

    def __init__(self) -> None:
        self.children: dict[tuple[str, str, str, Any], _Node] = {}
        self.joins: list[_Node] = []  # or-joins ("forward" nodes) reached from here


class _Network:
    """A model of durable's alpha network, to refuse rulesets it cannot run.

    ``$and`` is a chain of tests under the previous one, identical tests under one
    parent are shared, and ``$or`` builds each branch under the parent and joins them
    in a forward node. The walk pushes every child test that holds; we assume all hold,
    except that equality tests on one field exclude each other.
    """

    def __init__(self) -> None:
        self.root = _Node()

    def add(self, expr: dict[str, Any]) -> str | None:
        saved = _snapshot(self.root)
        self._build(self.root, expr)
        problem = self._check()
        if problem:
            _restore(self.root, saved)
        return problem

    def _build(self, parent: _Node, expr: dict[str, Any]) -> _Node:
        (name, body), = expr.items()
        if name == "$and":
            node = parent
            for part in body:
                node = self._build(node, part)
            return node
        if name == "$or":
            join = _Node()
            for part in body:
                self._build(parent, part).joins.append(join)
            return join
        if name.startswith("$"):
            (key, value), = body.items()
            test = (key, name, type(value).__name__, value)
        else:
            test = (name, "$eq", type(body).__name__, body)
        return parent.children.setdefault(test, _Node())

    def _check(self) -> str | None:
        seen: dict[int, int] = {}
        for node in _walk(self.root):
            if len(node.children) > MAX_CHILDREN:
                return (f"too many different tests on one level ({len(node.children)}, at most "
                        f"{MAX_CHILDREN}); shorten the in-lists")
            if len(node.joins) > MAX_OR_JOINS:
                return f"too many or-conditions ending in one test (at most {MAX_OR_JOINS})"
        peak = _peak(self.root, seen)
        if peak > MAX_PENDING_TESTS:
            return (f"the rules of this scope up to here have {peak} different tests that can "
                    f"hold at once for one fact; durable_rules handles at most "
                    f"{MAX_PENDING_TESTS}: use fewer distinct thresholds, or move the rule")
        return None


def _pushed(node: _Node) -> int:
    equal_fields = {test[0] for test in node.children if test[1] == "$eq"}
    others = sum(1 for test in node.children if test[1] != "$eq")
    return len(equal_fields) + others + len(node.joins)


def _peak(node: _Node, memo: dict[int, int]) -> int:
    """Most stack slots the walk below ``node`` needs (all tests holding)."""
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = 0  # guards against cycles, which the builder never makes
    width = _pushed(node)
    below = [_peak(child, memo) for child in (*node.children.values(), *node.joins)]
    peak = 0 if width == 0 else max(width, width - 1 + max(below, default=0))
    memo[id(node)] = peak
    return peak


def _walk(root: _Node) -> list[_Node]:
    seen: dict[int, _Node] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        stack.extend(node.children.values())
        stack.extend(node.joins)
    return list(seen.values())


def _snapshot(root: _Node) -> list[tuple[_Node, dict[Any, _Node], list[_Node]]]:
    return [(node, dict(node.children), list(node.joins)) for node in _walk(root)]


def _restore(root: _Node, saved: list[tuple[_Node, dict[Any, _Node], list[_Node]]]) -> None:
    for node, children, joins in saved:
        node.children = children
        node.joins = joins
