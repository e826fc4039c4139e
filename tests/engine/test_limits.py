"""durable_rules' fixed limits are enforced at load time, with file:line, not mid-cycle."""

from __future__ import annotations

import pytest

from engine import PolicyError, RuleEngine, load_policy_texts
from tests.engine.factgen import receivable


def reminders(conditions: list[str]) -> str:
    lines = ["reminders:"]
    for index, condition in enumerate(conditions):
        lines += [f"  - id: s{index}", f"    when: {condition}", "    template: t"]
    return "\n".join(lines) + "\n"


def line_of_step(index: int) -> int:
    return 2 + 3 * index


def test_200_rules_per_scope_is_the_limit() -> None:
    conditions = [f"customer.code == 'C{i}'" for i in range(200)]
    policy = load_policy_texts({"r.yaml": reminders(conditions)})
    engine = RuleEngine.for_policy(policy)
    try:
        facts = [receivable(1, customer__code="C7"), receivable(2, customer__code="C199"),
                 receivable(3, customer__code="X")]
        assert engine.evaluate("receivable", facts) == {1: ["reminder:s7"],
                                                        2: ["reminder:s199"], 3: []}
    finally:
        engine.close()
    with pytest.raises(PolicyError) as caught:
        load_policy_texts({"r.yaml": reminders([*conditions, "days_overdue > 1"])})
    assert str(caught.value) == (
        f"r.yaml:{line_of_step(200)}: too many receivable rules: 201 (at most 200 per scope; "
        f"durable_rules fails with hundreds of rules in one ruleset)")


def test_tests_that_can_hold_at_once_are_limited() -> None:
    conditions = [f"days_overdue >= {i}" for i in range(64)]
    engine = RuleEngine.for_policy(load_policy_texts({"r.yaml": reminders(conditions)}))
    try:
        fired = engine.evaluate("receivable", [receivable(1, days_overdue=1000)])
        assert len(fired[1]) == 64
    finally:
        engine.close()
    with pytest.raises(PolicyError) as caught:
        load_policy_texts({"r.yaml": reminders([*conditions, "days_overdue >= 64"])})
    (problem,) = caught.value.problems
    assert problem.line == line_of_step(64)
    assert "reminder:s64: the rules of this scope up to here have 65 different tests" in str(
        problem)
    assert "at most 64" in problem.message


def test_long_in_lists_are_fine() -> None:
    codes = ", ".join(f"'C{i}'" for i in range(300))
    policy = load_policy_texts({"r.yaml": reminders([f"customer.code in [{codes}]"])})
    engine = RuleEngine.for_policy(policy)
    try:
        facts = [receivable(1, customer__code="C299"), receivable(2, customer__code="D")]
        assert engine.evaluate("receivable", facts) == {1: ["reminder:s0"], 2: []}
    finally:
        engine.close()


def test_alternative_paths_are_limited() -> None:
    ors = " and ".join(f"(days_overdue > {i} or balance > {i})" for i in range(9))
    with pytest.raises(PolicyError) as caught:
        load_policy_texts({"r.yaml": reminders([ors])})
    assert "condition has 512 alternative paths (at most 256)" in str(caught.value)
