"""POLICY.md's examples load exactly as written, and so does the default policy in rules/."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from engine import load_policy, load_policy_texts

RULES = Path(__file__).resolve().parents[2] / "rules"

# Copied verbatim from the product owner's POLICY.md.
STAGES = """\
stages:                      # current -> due_soon -> overdue -> escalated -> legal
  due_soon:
    when: days_to_due <= 7
  overdue:
    when: days_overdue >= 1
  escalated:
    when: days_overdue >= 30 or (days_overdue >= 15 and balance >= 100000)
    on_enter:
      - task: {kind: call, assign: collector, due_in_days: 2}
  legal:
    when: days_overdue >= 90 and days_in_stage >= 30
    on_enter:
      - task: {kind: legal_handover, assign: legal, due_in_days: 5}
"""

REMINDERS = """\
reminders:                   # a sequence; each step goes out at most once per receivable
  - id: courtesy
    when: days_to_due <= 5
    template: pre_due
  - id: first-notice
    when: days_overdue >= 1
    template: overdue_first
  - id: final-notice
    when: days_overdue >= 21
    template: overdue_final
    cc: [collector]
"""

WARNINGS = """\
warnings:
  - id: big-and-late
    level: red               # yellow < orange < red
    when: days_overdue > 60 and balance > 50000
  - id: slipping-customer
    scope: customer          # evaluated once per customer; only customer.* facts
    level: orange
    when: customer.overdue_ratio > 0.2
"""

CREDIT = """\
credit:
  scorecard:                 # points 0..100 per factor, weighted mean -> score 0..100
    - factor: on_time_rate   # share of the last 12 months' invoices paid by their due date
      weight: 40
      points: [[0.95, 100], [0.8, 70], [0.6, 40], [0, 0]]   # first row whose threshold the value reaches (>=)
    - factor: avg_days_late  # mean days late of the last 12 months' paid invoices (0 when on time)
      weight: 30
      better: lower          # then the first row whose threshold the value does not exceed (<=)
      points: [[0, 100], [10, 70], [30, 30], [100000, 0]]
    - factor: years_as_customer
      weight: 30
      points: [[5, 100], [2, 60], [0, 20]]
  ratings: {A: 80, B: 65, C: 50, D: 35, E: 0}            # lowest score of each rating
  terms:
    A: {credit_limit: 500000, payment_terms_days: 60}
    B: {credit_limit: 200000, payment_terms_days: 45}
    C: {credit_limit: 80000,  payment_terms_days: 30}
    D: {credit_limit: 20000,  payment_terms_days: 15, prepayment_ratio: 0.3}
    E: {credit_limit: 0,      payment_terms_days: 0,  prepayment_ratio: 1.0}

order_checks:                # a new order is checked against these, in order
  - id: severely-late
    when: customer.max_days_overdue > 60
    decide: reject
  - id: over-limit
    when: exposure_after > customer.credit_limit
    decide: hold             # approve | prepay | hold | reject; the strictest that fires wins
"""  # noqa: E501


def test_each_example_loads_on_its_own() -> None:
    for text in (STAGES, REMINDERS, WARNINGS, CREDIT):
        load_policy_texts({"example.yaml": text})


def test_examples_together() -> None:
    policy = load_policy_texts({"collection.yaml": STAGES + "\n" + REMINDERS,
                                "warnings.yaml": WARNINGS, "credit.yaml": CREDIT})
    assert [stage.name for stage in policy.stages] == ["due_soon", "overdue", "escalated",
                                                       "legal"]
    escalated = policy.stage("escalated")
    assert escalated is not None
    assert [(t.kind, t.assign, t.due_in_days) for t in escalated.on_enter] == [
        ("call", "collector", 2)]
    assert escalated.source.line == 6
    assert str(escalated.when) == (
        "days_overdue >= 30 or (days_overdue >= 15 and balance >= 100000)")
    assert [(r.id, r.template, r.cc, r.review) for r in policy.reminders] == [
        ("courtesy", "pre_due", [], False), ("first-notice", "overdue_first", [], False),
        ("final-notice", "overdue_final", ["collector"], False)]
    assert [(w.id, w.level, w.scope) for w in policy.warnings] == [
        ("big-and-late", "red", "receivable"), ("slipping-customer", "orange", "customer")]
    assert [(c.id, c.decide) for c in policy.order_checks] == [
        ("severely-late", "reject"), ("over-limit", "hold")]
    credit = policy.credit
    assert credit is not None
    assert [(f.factor, f.weight, f.better) for f in credit.scorecard] == [
        ("on_time_rate", 40, "higher"), ("avg_days_late", 30, "lower"),
        ("years_as_customer", 30, "higher")]
    assert credit.scorecard[0].points[0] == (Decimal("0.95"), Decimal(100))
    assert credit.terms["D"].prepayment_ratio == Decimal("0.3")
    assert credit.terms["A"].prepayment_ratio == 0
    assert policy.rules("receivable")[0].rule_id == "stage:due_soon"
    assert [r.rule_id for r in policy.rules("customer")] == ["warning:slipping-customer"]
    assert [r.rule_id for r in policy.rules("order")] == ["order:severely-late",
                                                          "order:over-limit"]


def test_default_policy_is_the_examples() -> None:
    policy = load_policy(RULES)
    assert sorted(policy.files) == ["collection.yaml", "credit.yaml", "warnings.yaml"]
    examples = load_policy_texts({"collection.yaml": STAGES + "\n" + REMINDERS,
                                  "warnings.yaml": WARNINGS, "credit.yaml": CREDIT})
    for scope in ("receivable", "customer", "order"):
        assert [(r.rule_id, r.when.condition) for r in policy.rules(scope)] == [
            (r.rule_id, r.when.condition) for r in examples.rules(scope)]
    assert policy.credit is not None and examples.credit is not None
    assert policy.credit.ratings == examples.credit.ratings
    assert policy.credit.terms == examples.credit.terms
    assert [(f.factor, f.weight, f.better, f.points) for f in policy.credit.scorecard] == [
        (f.factor, f.weight, f.better, f.points) for f in examples.credit.scorecard]
    assert policy.stages[2].source.file == str(RULES / "collection.yaml")


def test_hash_is_over_names_and_bytes() -> None:
    one = load_policy_texts({"a.yaml": REMINDERS})
    assert one.hash == load_policy_texts({"a.yaml": REMINDERS}).hash
    assert len(one.hash) == 64 and int(one.hash, 16) >= 0
    assert one.hash != load_policy_texts({"b.yaml": REMINDERS}).hash
    assert one.hash != load_policy_texts({"a.yaml": REMINDERS + "# note\n"}).hash
    assert one.files == {"a.yaml": REMINDERS}
    assert one == load_policy_texts({"a.yaml": REMINDERS})


def test_folder_and_texts_agree(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(WARNINGS, encoding="utf-8")
    (tmp_path / "a.yaml").write_text(REMINDERS, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not policy", encoding="utf-8")
    from_folder = load_policy(tmp_path)
    assert from_folder.hash == load_policy_texts({"a.yaml": REMINDERS, "b.yaml": WARNINGS}).hash
    assert list(from_folder.files) == ["a.yaml", "b.yaml"]


def test_absent_sections_are_empty() -> None:
    policy = load_policy_texts({"w.yaml": WARNINGS})
    assert policy.stages == [] and policy.reminders == [] and policy.order_checks == []
    assert policy.credit is None
    empty = load_policy_texts({"e.yaml": "# nothing yet\n"})
    assert empty.rules("receivable") == []
