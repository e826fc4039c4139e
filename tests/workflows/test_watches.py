"""The cycle's built-in credit watches on both databases: the insurer task on the right
day (once) and its deadline warning, exposure over the insured limit, and a prepayment
left unapplied too long."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, update
from sqlmodel import Session

from engine import load_policy_texts
from ledger.db import session_scope
from ledger.models import RiskWarning, Task
from tests.workflows.test_orders import seed, set_customer
from tests.workflows.test_prepayments import record
from workflows import prepayments
from workflows.cycle import run_cycle, run_days

ROOT = Path(__file__).resolve().parents[2]
RULES = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "rules").glob("*.yaml")}
INSURANCE = "insurance: {report_overdue_after_days: 60}\nprepayments: {warning_days: 30}\n"
POLICY = load_policy_texts({**RULES, "insurance.yaml": INSURANCE})


def insurer_tasks(engine) -> list[tuple]:
    with Session(engine) as s:
        stmt = (select(Task.kind, Task.assignee, Task.created_on, Task.due_date, Task.rule_id)
                .where(Task.kind == "report_to_insurer").order_by(Task.id))
        return [tuple(row) for row in s.execute(stmt)]


def warnings(engine, rule_id: str) -> list[tuple]:
    with Session(engine) as s:
        stmt = (select(RiskWarning.subject, RiskWarning.level, RiskWarning.opened_on,
                       RiskWarning.closed_on)
                .where(RiskWarning.rule_id == rule_id).order_by(RiskWarning.id))
        return [tuple(row) for row in s.execute(stmt)]


def test_insurer_task_opens_on_the_right_day_once_and_warns_after_the_deadline(db, tmp_path):
    # due 2026-01-31 + 60 days: the insurer's deadline is 2026-04-01; task 10 days before
    seed(db, tmp_path, "INV-1,C001,2026-01-01,2026-01-31,5000.00,CNY\n"
                       "INV-2,C002,2026-01-01,2026-01-31,5000.00,CNY\n")
    set_customer(db, "C001", insured_limit=Decimal("1000000"))
    run_days(db, POLICY, date(2026, 3, 20), date(2026, 3, 21))
    assert insurer_tasks(db) == []
    run_days(db, POLICY, date(2026, 3, 22), date(2026, 4, 1))
    assert insurer_tasks(db) == [("report_to_insurer", "credit_manager", date(2026, 3, 22),
                                  date(2026, 4, 1), "insurance:report_overdue")]
    assert warnings(db, "insurer-deadline-passed") == []
    run_cycle(db, POLICY, date(2026, 4, 2))
    assert warnings(db, "insurer-deadline-passed") == [("INV-1", "red", date(2026, 4, 2), None)]
    with session_scope(db) as s:  # reported at last: the task is done
        s.execute(update(Task).where(Task.kind == "report_to_insurer")
                  .values(status="done", closed_on=date(2026, 4, 3)))
    run_cycle(db, POLICY, date(2026, 4, 3))
    assert warnings(db, "insurer-deadline-passed") == [
        ("INV-1", "red", date(2026, 4, 2), date(2026, 4, 3))]
    assert len(insurer_tasks(db)) == 1  # never a second task


def test_no_insurer_task_without_the_policy_key(db, tmp_path):
    seed(db, tmp_path, "INV-1,C001,2025-01-01,2025-01-31,5000.00,CNY\n")
    set_customer(db, "C001", insured_limit=Decimal("1000000"))
    run_cycle(db, load_policy_texts(RULES), date(2026, 3, 22))
    assert insurer_tasks(db) == []


def test_exposure_over_the_insured_limit_warns_until_it_is_back_under(db, tmp_path):
    seed(db, tmp_path, "INV-1,C001,2026-01-01,2026-06-30,150000.00,CNY\n")
    set_customer(db, "C001", insured_limit=Decimal("100000"))
    set_customer(db, "C002", insured_limit=Decimal("100000"))
    run_cycle(db, POLICY, date(2026, 3, 2))
    assert warnings(db, "over-insured-limit") == [("C001", "orange", date(2026, 3, 2), None)]
    set_customer(db, "C001", insured_limit=Decimal("150000"))  # not above: exactly at cover
    run_cycle(db, POLICY, date(2026, 3, 3))
    assert warnings(db, "over-insured-limit") == [
        ("C001", "orange", date(2026, 3, 2), date(2026, 3, 3))]


def test_prepayment_unapplied_too_long_warns_until_applied(db, tmp_path):
    seed(db, tmp_path, "INV-1,C001,2026-01-01,2026-03-31,500.00,CNY\n")
    record(db, "C001", "500.00", "PRE-1", on=date(2026, 1, 1))
    run_cycle(db, POLICY, date(2026, 1, 31))  # 30 days: not more than 30
    assert warnings(db, "unapplied-prepayment") == []
    run_cycle(db, POLICY, date(2026, 2, 1))
    assert warnings(db, "unapplied-prepayment") == [("C001", "orange", date(2026, 2, 1), None)]
    with session_scope(db) as s:
        prepayments.apply(s, "PRE-1", "INV-1", date(2026, 2, 1), "cli:tester")
    run_cycle(db, POLICY, date(2026, 2, 2))
    assert warnings(db, "unapplied-prepayment")[0][3] == date(2026, 2, 2)
