"""RuleEngine: a policy's rules applied to batches of facts, on durable_rules.

One ruleset per scope per policy, named by the policy hash (a name can be registered
only once per process, hence the cache). Facts go in one at a time as FACTS, not events
(an event is consumed by the first matching rule; every matching rule must fire), and are
retracted right after, so facts never pile up. ``evaluate_plain`` runs the same parsed
conditions in Python: the differential test holds both to the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, ClassVar

from engine import durable_host
from engine.compiler import CompiledScope
from engine.errors import EngineError, FactError
from engine.facts import CONVERTERS, SCOPES, Scope
from engine.policy import Policy

Fired = dict[Hashable, list[str]]


class _ScopeEngine:
    """One scope of one policy: its durable ruleset (if it has rules) and plain tests."""

    def __init__(self, compiled: CompiledScope, name: str) -> None:
        self.compiled = compiled
        self.name = name
        self.rule_ids = compiled.rule_ids
        self.inputs = [(fact, key, CONVERTERS[kind], direct)
                       for fact, key, kind, direct in compiled.inputs]
        self.plain_inputs = [(fact, CONVERTERS[kind]) for fact, _, kind, _ in compiled.inputs]
        self.derived = compiled.derived
        self.always = frozenset(compiled.always)
        self.tests = [rule.when.test for rule in compiled.rules]
        self.fired: list[tuple[int, Any]] = []
        self.seq = 0
        self.runner: durable_host.Runner | None = None
        if compiled.durable:
            ruleset = durable_host.register(name, compiled.definition(self._action))
            self.runner = durable_host.Runner(ruleset)

    def _action(self, index: int) -> Callable[[Any], None]:
        return durable_host.recorder(self.fired, index)

    def close(self) -> None:
        if self.runner is not None:
            durable_host.unregister(self.name)
            self.runner = None

    def message(self, fact: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(plain values, JSON message for durable) of one caller fact."""
        self.seq += 1
        values: dict[str, Any] = {}
        message: dict[str, Any] = {"id": self.seq}
        name = ""
        try:
            for name, key, convert, direct in self.inputs:
                raw = fact.get(name)
                if raw is None:
                    values[name] = None
                    continue
                plain, value = convert(raw)
                values[name] = plain
                if direct:
                    message[key] = value
        except FactError as error:
            raise FactError(f"fact id={fact.get('id')!r}: {name}: {error}") from None
        for key, term in self.derived:
            message[key] = term(values)
        return values, message

    def plain_values(self, fact: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        name = ""
        try:
            for name, convert in self.plain_inputs:
                raw = fact.get(name)
                values[name] = None if raw is None else convert(raw)[0]
        except FactError as error:
            raise FactError(f"fact id={fact.get('id')!r}: {name}: {error}") from None
        return values

    def evaluate(self, facts: Iterable[Mapping[str, Any]]) -> Fired:
        out: Fired = {}
        rule_ids, always, fired, runner = self.rule_ids, self.always, self.fired, self.runner
        with durable_host.LOCK:
            for fact in facts:
                fact_id = _fact_id(fact, out)
                _, message = self.message(fact)
                if runner is not None:
                    fired.clear()
                    runner.run(message)
                if not fired and not always:
                    out[fact_id] = []
                    continue
                hits = set(always)
                for index, seen in fired:
                    if seen != message["id"]:
                        raise EngineError(f"an action for another fact ran late "
                                          f"({seen} while evaluating {message['id']})")
                    hits.add(index)
                out[fact_id] = [rule_ids[index] for index in sorted(hits)]
            fired.clear()
        return out

    def evaluate_plain(self, facts: Iterable[Mapping[str, Any]]) -> Fired:
        out: Fired = {}
        rule_ids, tests = self.rule_ids, self.tests
        for fact in facts:
            fact_id = _fact_id(fact, out)
            values = self.plain_values(fact)
            out[fact_id] = [rule_ids[index] for index, test in enumerate(tests) if test(values)]
        return out


def _fact_id(fact: Mapping[str, Any], seen: Fired) -> Hashable:
    if "id" not in fact:
        raise FactError("a fact has no 'id' (every fact needs a unique id)")
    fact_id = fact["id"]
    if fact_id in seen:
        raise FactError(f"fact id={fact_id!r} appears twice in one evaluation")
    return fact_id


class RuleEngine:
    """A policy's compiled rules; get one with ``RuleEngine.for_policy(policy)``."""

    _registry: ClassVar[dict[str, RuleEngine]] = {}

    def __init__(self, policy: Policy) -> None:
        """Register the policy's rulesets; prefer ``for_policy``, which caches by hash."""
        self.policy = policy
        prefix = f"arflow_{policy.hash[:16]}"
        self._scopes: dict[Scope, _ScopeEngine] = {}
        try:
            for scope in SCOPES:
                self._scopes[scope] = _ScopeEngine(policy.compiled[scope], f"{prefix}_{scope}")
        except BaseException:
            self.close()
            raise

    @classmethod
    def for_policy(cls, policy: Policy) -> RuleEngine:
        """The engine of ``policy``, built once per policy hash per process."""
        with durable_host.LOCK:
            engine = cls._registry.get(policy.hash)
            if engine is None:
                engine = cls(policy)
                cls._registry[policy.hash] = engine
            return engine

    def evaluate(self, scope: str, facts: Iterable[Mapping[str, Any]]) -> Fired:
        """For every fact (by its ``id``), the ids of the rules that fired, in policy order."""
        return self._scope(scope).evaluate(facts)

    def evaluate_plain(self, scope: str, facts: Iterable[Mapping[str, Any]]) -> Fired:
        """The same answer computed in plain Python (previews, and the differential test)."""
        return self._scope(scope).evaluate_plain(facts)

    def rule_ids(self, scope: str) -> list[str]:
        """The rule ids of ``scope`` in policy order."""
        return list(self._scope(scope).rule_ids)

    def messages(self, scope: str, facts: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The JSON facts durable_rules would receive (for benchmarks and debugging)."""
        engine = self._scope(scope)
        with durable_host.LOCK:
            return [engine.message(fact)[1] for fact in facts]

    def close(self) -> None:
        """Free the rulesets (tests building many policies); the engine is unusable after."""
        with durable_host.LOCK:
            for engine in self._scopes.values():
                engine.close()
            if self._registry.get(self.policy.hash) is self:
                del self._registry[self.policy.hash]

    def _scope(self, scope: str) -> _ScopeEngine:
        if scope not in self._scopes:
            raise ValueError(f"unknown scope {scope!r}; scopes are {', '.join(SCOPES)}")
        return self._scopes[scope]
