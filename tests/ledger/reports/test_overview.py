"""Collector performance, top overdue customers and open warnings, worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledger.models import Promise, Receivable, RiskWarning, Task
from ledger.reports import collector_performance, top_overdue_customers, warnings_by_level

D = Decimal


def _add_work(session, ids: dict[str, int]) -> None:
    r1, r3 = ids["R1"], ids["R3"]
    c1, c3 = (session.get(Receivable, rid).customer_id for rid in (r1, r3))
    session.add_all(
        [
            Promise(customer_id=c1, promised_date=date(2026, 3, 25), status="kept",
                    created_on=date(2026, 3, 1)),
            Promise(customer_id=c3, promised_date=date(2026, 3, 20), status="broken",
                    created_on=date(2026, 3, 1), broken_on=date(2026, 3, 21)),
            Promise(customer_id=c3, promised_date=date(2026, 4, 20), status="open",
                    created_on=date(2026, 3, 1)),
            Task(kind="call", status="done", customer_id=1, receivable_id=r1, assignee="li.na",
                 due_date=date(2026, 3, 10), created_on=date(2026, 3, 1),
                 closed_on=date(2026, 3, 9)),
            Task(kind="call", status="done", customer_id=2, receivable_id=r3, assignee="",
                 due_date=date(2026, 3, 15), created_on=date(2026, 3, 1),
                 closed_on=date(2026, 3, 20)),
        ]
    )  # fmt: skip
    session.commit()


def test_collector_performance_against_targets(example):
    from sqlalchemy import select

    from ledger.models import Receivable

    ids = dict(example.execute(select(Receivable.number, Receivable.id)).all())
    _add_work(example, ids)
    targets = {
        "default": {"collected": 2000, "promise_kept_rate": 0.8, "tasks_in_time_rate": 0.9},
        "li.na": {"collected": 3000, "promise_kept_rate": 0.8, "tasks_in_time_rate": 0.9},
    }
    lines = collector_performance(example, date(2026, 3, 1), date(2026, 3, 31), targets)
    li, wang = lines
    # li.na (C001): March payments R1 700 (03-25) + R2 2000 (03-10) = 2700 vs 3000
    assert (li.collector, li.collected) == ("li.na", D("2700.00"))
    assert li.collected_vs_target == D("0.9000")
    assert (li.promises_kept, li.promises_broken, li.promise_kept_rate) == (1, 0, D("1.0000"))
    assert (li.tasks_in_time, li.tasks_late) == (1, 0)
    assert li.met == {"collected": False, "promise_kept_rate": True, "tasks_in_time_rate": True}
    # wang.wei (C002): R3's 500 came 04-10, outside March; one broken promise; the task
    # with no assignee is the customer's collector's, closed 03-20 after its due 03-15
    assert (wang.collector, wang.collected, wang.target_collected) == (
        "wang.wei",
        D("0.00"),
        D("2000"),
    )
    assert (wang.promises_kept, wang.promises_broken, wang.promise_kept_rate) == (0, 1, D("0"))
    assert (wang.tasks_in_time, wang.tasks_late, wang.tasks_in_time_rate) == (0, 1, D("0"))
    assert wang.met["collected"] is False


def test_top_overdue_customers_as_of_a_past_day(example):
    # 03-05: C001 has R1 700 (29 days) + R6 300 (64 days) overdue; C002 USD R5 300 (33 d);
    # C002's CNY R3 is not yet due
    top = top_overdue_customers(example, date(2026, 3, 5))
    assert [(c.code, c.currency, c.overdue, c.oldest_days, c.count) for c in top] == [
        ("C001", "CNY", D("1000.00"), 64, 2),
        ("C002", "USD", D("300.00"), 33, 1),
    ]
    assert len(top_overdue_customers(example, date(2026, 3, 5), limit=1)) == 1


def test_warnings_by_level_counts_open_ones(example):
    common = dict(scope="customer", subject="C001", customer_id=1, opened_on=date(2026, 3, 1))
    example.add_all(
        [
            RiskWarning(rule_id="a", level="red", **common),
            RiskWarning(rule_id="b", level="red", closed_on=date(2026, 3, 2), **common),
            RiskWarning(rule_id="c", level="yellow", **common),
        ]
    )
    example.commit()
    assert warnings_by_level(example) == {"red": 1, "orange": 0, "yellow": 1}
