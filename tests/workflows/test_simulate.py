"""A policy simulation on both databases: a hand-built history (two customers, four
invoices, a payment, an order) replayed over two weeks under two hand-written policies;
every count below is worked out by hand in the comments. The replay writes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel

from engine import load_policy_texts
from ledger.db import session_scope
from tests.factories import load, seed_customers, write
from workflows import orders
from workflows.calendar import BusinessCalendar
from workflows.errors import Invalid
from workflows.simulate import check_period, simulate

FIRST, LAST = date(2026, 3, 2), date(2026, 3, 15)  # Monday to Sunday, two ISO weeks
TODAY = date(2026, 4, 1)
CALENDAR = BusinessCalendar("CN")  # no holiday in these weeks: Mon-Fri are business days

POLICY = """
stages:
  overdue:
    when: days_overdue >= 1
  escalated:
    when: days_overdue >= {escalate}
    on_enter:
      - task: {{kind: call, assign: collector, due_in_days: 2}}
reminders:
  - id: first-notice
    when: days_overdue >= 1
    template: overdue_first
  - id: final-notice
    when: days_overdue >= {final}
    template: overdue_final
warnings:
  - id: late
    level: {level}
    when: days_overdue >= {late}
order_checks:
  - id: over-limit
    when: exposure_after > customer.credit_limit
    decide: {decide}
credit:
  scorecard:
    - factor: years_as_customer
      weight: 1
      points: [[0, 20]]
  ratings: {{A: {rating_a}, B: 0}}
  terms:
    A: {{credit_limit: 100000, payment_terms_days: 30}}
    B: {{credit_limit: 50000, payment_terms_days: 30}}
"""
ACTIVE_TEXT = POLICY.format(
    escalate=30, final=30, level="orange", late=25, decide="hold", rating_a=50)
CANDIDATE_TEXT = POLICY.format(
    escalate=20, final=28, level="red", late=15, decide="reject", rating_a=10)
ACTIVE = load_policy_texts({"policy.yaml": ACTIVE_TEXT})
CANDIDATE = load_policy_texts({"policy.yaml": CANDIDATE_TEXT})

RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "INV-1,C001,2026-01-05,2026-02-05,5000.00,CNY\n"  # 25 days late on 03-02
    "INV-2,C002,2026-01-15,2026-02-15,8000.00,CNY\n"  # 15 days late on 03-02
    "INV-3,C001,2026-02-10,2026-03-10,3000.00,CNY\n"  # due 03-10, paid 03-13
    "INV-4,C002,2026-03-05,2026-03-20,1000.00,CNY\n"  # issued in the period, never due in it
)
PAYMENTS = ("reference,customer_code,date,amount,invoice_number\n"
            "PAY-3,C001,2026-03-13,3000.00,INV-3\n")


def seed_history(engine: Engine, tmp_path) -> None:
    seed_customers(engine, tmp_path)  # C001 (li.na), C002 (wang.wei, limit 200,000)
    load(engine, "receivables", write(tmp_path / "r.csv", RECEIVABLES))
    load(engine, "payments", write(tmp_path / "p.csv", PAYMENTS))
    with session_scope(engine) as s:  # held under the active policy's checks
        orders.add(s, ACTIVE, "C002", Decimal("250000.00"), "SO-1", date(2026, 3, 5), "test")


def row_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return {t.name: s.execute(select(func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables}


def test_two_policies_over_two_weeks_give_the_counts_worked_out_by_hand(db, tmp_path):
    seed_history(db, tmp_path)
    before = row_counts(db)
    result = simulate(db, ACTIVE, CANDIDATE, FIRST, LAST, today=TODAY, calendar=CALENDAR,
                      detail=True).as_dict()
    assert row_counts(db) == before  # no row anywhere, not one audit entry
    assert result["period"] == {"from": "2026-03-02", "to": "2026-03-15", "days": 14}
    active, candidate, diff = result["active"], result["candidate"], result["differences"]
    assert active["policy_hash"] == ACTIVE.hash and candidate["policy_hash"] == CANDIDATE.hash
    # every walk from current to overdue passes due_soon: INV-1 and INV-2 on 03-02, INV-3 on
    # 03-11. Escalated at 30 days: INV-1 on 03-07; at 20: INV-1 on 03-02, INV-2 on 03-07.
    # INV-3 is paid on 03-13 under both.
    assert active["stage_moves"] == {"due_soon": 3, "overdue": 3, "escalated": 1, "legal": 0,
                                     "paid": 1}
    assert candidate["stage_moves"] == {"due_soon": 3, "overdue": 3, "escalated": 2,
                                        "legal": 0, "paid": 1}
    assert diff["stage_moves"]["escalated"] == 1
    # active: 03-02 first notices to C001 (INV-1) and C002 (INV-2); INV-1's final notice
    # (30 days on Saturday 03-07) goes on Monday 03-09; INV-3's first on 03-11.
    # candidate: the same, but INV-1's final notice at 28 days: Thursday 03-05.
    assert active["reminders"] == {
        "messages": 4, "customers_contacted": 2,
        "per_step": {"first-notice": 3, "final-notice": 1},
        "per_week": {"2026-W10": 2, "2026-W11": 2}}
    assert candidate["reminders"]["per_week"] == {"2026-W10": 3, "2026-W11": 1}
    assert diff["reminders"]["per_week"] == {"2026-W10": 1, "2026-W11": -1}
    assert diff["reminders"]["per_step"] == {"first-notice": 0, "final-notice": 0}
    # a call task for the collector on entering escalated (week 10 in every case)
    assert active["tasks"] == {"opened": 1, "per_collector_week": {"li.na": {"2026-W10": 1}}}
    assert candidate["tasks"]["per_collector_week"] == {"li.na": {"2026-W10": 1},
                                                        "wang.wei": {"2026-W10": 1}}
    # late at 25 days (orange): INV-1 on 03-02, INV-2 on 03-12; at 15 (red): both on 03-02
    assert active["warnings"] == {"yellow": 0, "orange": 2, "red": 0}
    assert candidate["warnings"] == {"yellow": 0, "orange": 0, "red": 2}
    assert diff["warnings"] == {"yellow": 0, "orange": -2, "red": 2}
    # SO-1 (250,000 for C002, limit 200,000) on 03-05: held, or rejected
    assert active["orders"] == {"checked": 1, "approve": 0, "prepay": 0, "hold": 1, "reject": 0}
    assert diff["orders"]["hold"] == -1 and diff["orders"]["reject"] == 1
    # both customers score 20 (years as customer 0 or more): B (below 50) against A (10)
    assert active["credit"]["ratings"] == {"B": 2}
    assert candidate["credit"]["ratings"] == {"A": 2}
    assert diff["credit"]["customers"] == {"rating": 2, "credit_limit": 2, "terms": 0}
    detail = {r["number"]: r for r in diff["receivables"]}
    assert sorted(detail) == ["INV-1", "INV-2"]  # INV-3 and INV-4 went the same way
    assert detail["INV-1"]["active"]["entered"]["escalated"] == "2026-03-07"
    assert detail["INV-1"]["candidate"]["entered"]["escalated"] == "2026-03-02"
    assert detail["INV-1"]["candidate"]["reminders"] == [
        {"date": "2026-03-02", "step": "first-notice"},
        {"date": "2026-03-05", "step": "final-notice"}]
    assert detail["INV-2"]["differs"] == ["stage", "entered"]
    assert detail["INV-2"]["active"]["stage"] == "overdue"
    assert detail["INV-2"]["candidate"]["stage"] == "escalated"


def test_the_same_policy_twice_differs_in_nothing(db, tmp_path):
    seed_history(db, tmp_path)
    result = simulate(db, ACTIVE, ACTIVE, FIRST, LAST, today=TODAY, calendar=CALENDAR,
                      detail=True).as_dict()
    assert result["differences"]["receivables"] == []
    assert result["differences"]["stage_moves"] == dict.fromkeys(
        ("due_soon", "overdue", "escalated", "legal", "paid"), 0)


@pytest.mark.parametrize(("first", "last", "field"), [
    (date(2026, 3, 10), date(2026, 3, 9), "to"),  # --to before --from
    (date(2026, 3, 10), date(2026, 4, 2), "to"),  # beyond today
    (date(2025, 1, 1), date(2026, 3, 1), "from"),  # longer than 366 days
])
def test_a_period_that_cannot_be_replayed_is_refused(first, last, field):
    with pytest.raises(Invalid) as refused:
        check_period(first, last, TODAY)
    assert refused.value.field == field
