"""Differential test: for random conditions and random facts, the (rule, fact) pairs that
fire on durable_rules are exactly those of the plain-Python evaluation.

This is what proves the evaluator waits for every action before retracting, that money
crosses as cents correctly, and that null / not / derived terms mean the same on both.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine import (
    CUSTOMER_FACTS,
    ORDER_FACTS,
    RECEIVABLE_FACTS,
    PolicyError,
    RuleEngine,
    load_policy_texts,
)

MONEY_LITERALS = ["0", "1", "12.5", "100", "100.01", "1000", "2500.75", "50000", "0.005"]
NUMBER_LITERALS = ["0", "1", "2", "7", "30", "0.2", "0.25", "0.5", "1.5", "-3", "1e2"]
TEXTS = ["EUR", "USD", "A", "B", "retail", "", "中文", "it's"]


def facts_of(scope_facts: dict[str, str], kind: str) -> list[str]:
    return [name for name, k in scope_facts.items() if k == kind]


@st.composite
def numeric(draw: st.DrawFn, facts: dict[str, str], unit: str, depth: int = 0) -> str:
    """A numeric term of ``unit`` ('money' or 'number') over ``facts``."""
    money, numbers = facts_of(facts, "money"), facts_of(facts, "int") + facts_of(facts, "number")
    choice = draw(st.integers(0, 9 if depth < 2 else 5))
    if choice <= 3:
        return draw(st.sampled_from(money if unit == "money" else numbers))
    if choice <= 5:
        return draw(st.sampled_from(MONEY_LITERALS if unit == "money" else NUMBER_LITERALS))
    if choice == 6:
        op = draw(st.sampled_from("+-"))
        return f"({draw(numeric(facts, unit, depth + 1))} {op} " \
               f"{draw(numeric(facts, unit, depth + 1))})"
    # a bare literal has no unit, so money products and quotients start from a money fact
    scaled = draw(st.sampled_from(money)) if unit == "money" else \
        draw(numeric(facts, unit, depth + 1))
    if choice == 7:
        return f"{scaled} * {draw(numeric(facts, 'number', depth + 1))}"
    if choice == 8:
        if unit == "number" and money and draw(st.booleans()):
            return f"{draw(st.sampled_from(money))} / {draw(numeric(facts, 'money', depth + 1))}"
        return f"{scaled} / {draw(st.sampled_from(numbers))}"
    return f"-{draw(st.sampled_from(money if unit == 'money' else numbers))}"


@st.composite
def comparison(draw: st.DrawFn, facts: dict[str, str]) -> str:
    texts, bools = facts_of(facts, "str"), facts_of(facts, "bool")
    kind = draw(st.sampled_from(["money", "number", "number", "money", "text", "bool",
                                 "null", "in"]))
    if kind in ("money", "number"):
        op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
        left, right = draw(numeric(facts, kind)), draw(numeric(facts, kind))
        if draw(st.booleans()):
            chained = draw(numeric(facts, kind))
            return f"{left} {op} {right} {draw(st.sampled_from(['<', '<=']))} {chained}"
        return f"{left} {op} {right}"
    if kind == "text":
        op = draw(st.sampled_from(["==", "!="]))
        right = draw(st.sampled_from(texts + [repr(t) for t in TEXTS]))
        return f"{draw(st.sampled_from(texts))} {op} {right}"
    if kind == "bool" and bools:
        name = draw(st.sampled_from(bools))
        form = draw(st.integers(0, 3))
        other = draw(st.sampled_from([*bools, "true", "false", "True", "False"]))
        return [name, f"not {name}", f"{name} == {other}", f"{name} != {other}"][form]
    if kind == "null":
        name = draw(st.sampled_from(list(facts)))
        null = draw(st.sampled_from(["null", "None"]))
        return f"{name} {draw(st.sampled_from(['==', '!=']))} {null}"
    if kind == "in" or not bools:
        if draw(st.booleans()):
            values = draw(st.lists(st.sampled_from(TEXTS), max_size=4))
            name = draw(st.sampled_from(texts))
            listed = ", ".join(repr(v) for v in values)
        else:
            unit = draw(st.sampled_from(["money", "number"]))
            values = draw(st.lists(st.sampled_from(
                MONEY_LITERALS if unit == "money" else NUMBER_LITERALS), max_size=4))
            name = draw(numeric(facts, unit, 1))
            listed = ", ".join(values)
        return f"{name} {draw(st.sampled_from(['in', 'not in']))} [{listed}]"
    raise AssertionError(kind)


@st.composite
def condition(draw: st.DrawFn, facts: dict[str, str], depth: int = 0) -> str:
    choice = draw(st.integers(0, 5 if depth < 2 else 1))
    if choice <= 1:
        return draw(comparison(facts))
    if choice == 2:
        return f"not ({draw(condition(facts, depth + 1))})"
    op = "and" if choice <= 3 else "or"
    parts = draw(st.lists(condition(facts, depth + 1), min_size=2, max_size=3))
    return "(" + f" {op} ".join(parts) + ")"


def quoted(source: str) -> str:
    return "'" + source.replace("'", "''") + "'"


@st.composite
def policies(draw: st.DrawFn) -> str:
    lines = ["warnings:"]
    for index in range(draw(st.integers(1, 5))):
        lines += [f"  - id: r{index}", "    level: red",
                  f"    when: {quoted(draw(condition(RECEIVABLE_FACTS)))}"]
    for index in range(draw(st.integers(0, 2))):
        lines += [f"  - id: c{index}", "    level: red", "    scope: customer",
                  f"    when: {quoted(draw(condition(CUSTOMER_FACTS)))}"]
    lines.append("order_checks:" if draw(st.booleans()) else "order_checks: []")
    if lines[-1] == "order_checks:":
        for index in range(draw(st.integers(1, 2))):
            lines += [f"  - id: o{index}", "    decide: hold",
                      f"    when: {quoted(draw(condition(ORDER_FACTS)))}"]
    return "\n".join(lines) + "\n"


MONEY_VALUES = [Decimal(v) for v in ("0", "1", "12.50", "100", "100.01", "1000", "2500.75",
                                     "50000", "0.005", "-12.5", "99999999.99")]
NUMBER_VALUES = [0, 1, 2, 7, 30, -3, 100]
FLOAT_VALUES = [0.0, 0.2, 0.25, 0.5, 1.5, 1 / 3, 2.0, 100.0, Decimal("0.25"), Decimal(7)]


def random_value(rnd: random.Random, kind: str) -> Any:
    """A value of ``kind``: often one of the literals' neighbours, sometimes null."""
    if rnd.random() < 0.15:
        return None
    pick = rnd.random() < 0.6
    if kind == "money":
        if pick:
            return rnd.choice(MONEY_VALUES)
        return Decimal(rnd.randint(-10**7, 10**7)) / (100 if rnd.random() < 0.8 else 1000)
    if kind == "int":
        return rnd.choice(NUMBER_VALUES) if pick else rnd.randint(-100, 200)
    if kind == "number":
        return rnd.choice(FLOAT_VALUES) if pick else rnd.uniform(-3, 3)
    if kind == "str":
        return rnd.choice(TEXTS)
    return rnd.random() < 0.5


def fact_lists(scope_facts: dict[str, str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Facts from seeds: cheap to generate, so many examples fit in a few seconds."""

    def build(seeds: list[int]) -> list[dict[str, Any]]:
        facts = []
        for index, seed in enumerate(seeds):
            rnd = random.Random(seed)
            facts.append({"id": index, **{name: random_value(rnd, kind)
                                          for name, kind in scope_facts.items()}})
        return facts

    return st.lists(st.integers(0, 2**32), min_size=1, max_size=10).map(build)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(text=policies(), receivables=fact_lists(RECEIVABLE_FACTS),
       customers=fact_lists(CUSTOMER_FACTS), orders=fact_lists(ORDER_FACTS))
def test_durable_agrees_with_plain_python(text: str, receivables: list[dict[str, Any]],
                                          customers: list[dict[str, Any]],
                                          orders: list[dict[str, Any]]) -> None:
    try:
        policy = load_policy_texts({"random.yaml": text})
    except PolicyError as error:  # e.g. a constant division by zero: not this test's subject
        assume(False)
        raise AssertionError from error
    engine = RuleEngine.for_policy(policy)
    try:
        for scope, facts in (("receivable", receivables), ("customer", customers),
                             ("order", orders)):
            assert engine.evaluate(scope, facts) == engine.evaluate_plain(scope, facts), \
                f"{scope}:\n{text}"
    finally:
        engine.close()
