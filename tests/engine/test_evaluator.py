"""RuleEngine on durable_rules: which rules fire for which fact, and the plumbing."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import pytest

from engine import (
    FactError,
    RuleEngine,
    durable_host,
    engine_seconds,
    load_policy,
    load_policy_texts,
    raw_engine_seconds,
)
from tests.engine.factgen import customer, receivable

RULES = Path(__file__).resolve().parents[2] / "rules"

OVERLAP = """\
warnings:
  - id: late
    level: yellow
    when: days_overdue > 30
  - id: later
    level: orange
    when: days_overdue > 60
  - id: big-and-late
    level: red
    when: days_overdue > 60 and balance > 50000
  - id: promised-but-late
    level: yellow
    when: promised and days_overdue > 0
  - id: no-limit
    level: orange
    when: customer.credit_limit == null and balance > 0
  - id: hot
    level: red
    when: customer.utilization > 0.9
  - id: cold
    level: yellow
    when: not customer.utilization > 0.9
  - id: slipping
    scope: customer
    level: orange
    when: customer.overdue_ratio > 0.2
"""


@pytest.fixture(scope="module")
def default_engine() -> RuleEngine:
    return RuleEngine.for_policy(load_policy(RULES))


def test_default_policy_rule_ids(default_engine: RuleEngine) -> None:
    facts = [
        receivable(1),
        receivable(2, days_to_due=5),
        receivable(3, days_to_due=-40, days_overdue=40),
        receivable(4, days_to_due=-120, days_overdue=120, days_in_stage=31,
                   balance=Decimal("60000.01")),
        receivable(5, days_to_due=-16, days_overdue=16, balance=Decimal("100000.00")),
        receivable(6, days_to_due=-16, days_overdue=16, balance=Decimal("99999.99")),
    ]
    fired = default_engine.evaluate("receivable", facts)
    assert fired == {
        1: [],
        2: ["stage:due_soon", "reminder:courtesy"],
        3: ["stage:due_soon", "stage:overdue", "stage:escalated", "reminder:courtesy",
            "reminder:first-notice", "reminder:final-notice"],
        4: ["stage:due_soon", "stage:overdue", "stage:escalated", "stage:legal",
            "reminder:courtesy", "reminder:first-notice", "reminder:final-notice",
            "warning:big-and-late"],
        5: ["stage:due_soon", "stage:overdue", "stage:escalated", "reminder:courtesy",
            "reminder:first-notice"],
        6: ["stage:due_soon", "stage:overdue", "reminder:courtesy", "reminder:first-notice"],
    }
    assert fired == default_engine.evaluate_plain("receivable", facts)


def test_default_policy_customer_and_order(default_engine: RuleEngine) -> None:
    customers = [customer("a", customer__overdue_ratio=0.21), customer("b"),
                 customer("c", customer__overdue_ratio=None)]
    assert default_engine.evaluate("customer", customers) == {
        "a": ["warning:slipping-customer"], "b": [], "c": []}
    orders = [
        {"id": 1, "amount": Decimal(10), "currency": "EUR", "exposure_after": Decimal("50000.01"),
         **{k: v for k, v in customer(0).items() if k != "id"}},
        {"id": 2, "amount": Decimal(10), "currency": "EUR", "exposure_after": Decimal("50000"),
         **{k: v for k, v in customer(0, customer__max_days_overdue=61).items() if k != "id"}},
        {"id": 3, "exposure_after": Decimal("9e9"), "customer.credit_limit": None},
    ]
    fired = default_engine.evaluate("order", orders)
    assert fired == {1: ["order:over-limit"], 2: ["order:severely-late"], 3: []}
    assert fired == default_engine.evaluate_plain("order", orders)


def test_overlapping_warnings_all_fire() -> None:
    engine = RuleEngine.for_policy(load_policy_texts({"warnings.yaml": OVERLAP}))
    facts = [
        receivable(1, days_overdue=90, balance=Decimal("60000"), promised=True,
                   customer__credit_limit=None, customer__utilization=None),
        receivable(2, days_overdue=45, customer__utilization=0.95),
        receivable(3),
    ]
    fired = engine.evaluate("receivable", facts)
    assert fired == {
        1: ["warning:late", "warning:later", "warning:big-and-late", "warning:promised-but-late",
            "warning:no-limit"],
        2: ["warning:late", "warning:hot"],
        3: ["warning:cold"],
    }
    assert fired == engine.evaluate_plain("receivable", facts)
    assert engine.rule_ids("customer") == ["warning:slipping"]


def test_null_semantics_agree(default_engine: RuleEngine) -> None:
    policy = load_policy_texts({"w.yaml": OVERLAP})
    engine = RuleEngine.for_policy(policy)
    facts = [receivable(i, customer__utilization=value)
             for i, value in enumerate([None, 0.0, 0.9, 0.90001, 2.5])]
    fired = engine.evaluate("receivable", facts)
    assert fired == engine.evaluate_plain("receivable", facts)
    hot_or_cold = {i: [r for r in ids if r in ("warning:hot", "warning:cold")]
                   for i, ids in fired.items()}
    assert hot_or_cold == {0: [], 1: ["warning:cold"], 2: ["warning:cold"],
                           3: ["warning:hot"], 4: ["warning:hot"]}


def test_or_branches_fire_once(default_engine: RuleEngine) -> None:
    fact = receivable(1, days_overdue=40, balance=Decimal(200000))  # both escalated branches
    assert default_engine.evaluate("receivable", [fact])[1].count("stage:escalated") == 1


def test_cached_by_hash() -> None:
    first = load_policy(RULES)
    again = load_policy(RULES)
    assert first is not again
    assert RuleEngine.for_policy(first) is RuleEngine.for_policy(again)


def test_facts_do_not_pile_up(default_engine: RuleEngine) -> None:
    default_engine.evaluate("receivable", (receivable(i, days_overdue=i) for i in range(300)))
    name = default_engine._scope("receivable").name
    assert durable_host.host().get_facts(name) == []


def test_scope_without_rules() -> None:
    engine = RuleEngine.for_policy(load_policy_texts({"r.yaml": "reminders: []\n"}))
    assert engine.evaluate("order", [{"id": 1}, {"id": 2}]) == {1: [], 2: []}
    assert engine.evaluate("receivable", []) == {}


def test_constant_conditions() -> None:
    text = ("warnings:\n  - id: always\n    level: red\n    when: 'true'\n"
            "  - id: never\n    level: red\n    when: 1 > 2\n"
            "  - id: some\n    level: red\n    when: days_overdue > 1\n")
    engine = RuleEngine.for_policy(load_policy_texts({"w.yaml": text}))
    facts = [receivable(1), receivable(2, days_overdue=5)]
    assert engine.evaluate("receivable", facts) == {
        1: ["warning:always"], 2: ["warning:always", "warning:some"]}


def test_bad_facts(default_engine: RuleEngine) -> None:
    with pytest.raises(FactError, match="no 'id'"):
        default_engine.evaluate("receivable", [{"balance": Decimal(1)}])
    with pytest.raises(FactError, match="appears twice"):
        default_engine.evaluate("receivable", [receivable(1), receivable(1)])
    with pytest.raises(FactError, match=r"fact id=7: balance: .*expected money as Decimal"):
        default_engine.evaluate("receivable", [receivable(7, balance=12.5)])
    with pytest.raises(FactError, match="expected a whole number"):
        default_engine.evaluate_plain("receivable", [receivable(8, days_overdue="3")])
    with pytest.raises(ValueError, match="unknown scope"):
        default_engine.evaluate("invoice", [])
    # the engine is still usable after a refused fact
    assert default_engine.evaluate("receivable", [receivable(9)]) == {9: []}


def test_concurrent_callers(default_engine: RuleEngine) -> None:
    facts = [receivable(i, days_to_due=20 - i, days_overdue=max(0, i - 20)) for i in range(200)]
    expected = default_engine.evaluate_plain("receivable", facts)
    results: list[object] = []

    def work() -> None:
        results.append(default_engine.evaluate("receivable", facts))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


def test_benchmark_helpers(default_engine: RuleEngine) -> None:
    facts = [receivable(i, days_overdue=i % 100) for i in range(500)]
    assert raw_engine_seconds(default_engine.policy, facts) > 0
    assert engine_seconds(default_engine.policy, facts) > 0
    assert default_engine.evaluate("receivable", facts[:1]) == {0: []}


def test_money_units_and_sub_cent_amounts() -> None:
    text = ("warnings:\n  - id: w\n    level: red\n    when: balance >= 100.005\n"
            "  - id: v\n    level: red\n    when: balance == 12\n")
    engine = RuleEngine.for_policy(load_policy_texts({"w.yaml": text}))
    facts = [receivable(1, balance=Decimal("100.00")), receivable(2, balance=Decimal("100.01")),
             receivable(3, balance=Decimal("100.005")), receivable(4, balance=Decimal("12")),
             receivable(5, balance=12)]
    fired = engine.evaluate("receivable", facts)
    assert fired == {1: [], 2: ["warning:w"], 3: ["warning:w"], 4: ["warning:v"],
                     5: ["warning:v"]}
    assert fired == engine.evaluate_plain("receivable", facts)


def test_close_frees_the_rulesets() -> None:
    policy = load_policy_texts({"w.yaml": OVERLAP + "# closing\n"})
    engine = RuleEngine.for_policy(policy)
    engine.close()
    again = RuleEngine.for_policy(policy)
    assert again is not engine
    assert again.evaluate("receivable", [receivable(1)]) == {1: ["warning:cold"]}
    again.close()
