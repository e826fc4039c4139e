"""What the engine costs compared with durable_rules alone, for bench/cycle.py."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from durable.engine import MessageNotHandledException

from engine import durable_host
from engine.evaluator import RuleEngine
from engine.policy import Policy


def raw_engine_seconds(policy: Policy, facts: Iterable[Mapping[str, Any]],
                       scope: str = "receivable") -> float:
    """Seconds durable_rules alone takes to assert and retract the same converted facts.

    The facts are converted to durable's JSON first (not timed); the timed loop is the
    public ``Host.assert_fact`` / ``retract_fact`` pair on the policy's own ruleset.
    """
    engine = RuleEngine.for_policy(policy)
    messages = engine.messages(scope, facts)
    scoped = engine._scope(scope)
    if scoped.runner is None:
        return 0.0
    host, name = durable_host.host(), scoped.name
    with durable_host.LOCK:
        started = time.perf_counter()
        for message in messages:
            try:
                host.assert_fact(name, message)
            except MessageNotHandledException:
                pass
            host.retract_fact(name, message)
        elapsed = time.perf_counter() - started
        scoped.fired.clear()
    return elapsed


def engine_seconds(policy: Policy, facts: Iterable[Mapping[str, Any]],
                   scope: str = "receivable") -> float:
    """Seconds ``RuleEngine.evaluate`` takes on the facts (conversion included)."""
    engine = RuleEngine.for_policy(policy)
    batch = list(facts)
    started = time.perf_counter()
    engine.evaluate(scope, batch)
    return time.perf_counter() - started
