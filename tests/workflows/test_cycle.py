"""The daily cycle on both databases: exact days of each move, idempotence, replay,
overlapping warnings, holds, customer warnings and dry runs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from engine import load_policy
from ledger.db import session_scope
from ledger.models import (
    Activity,
    Customer,
    Receivable,
    RiskWarning,
    StageChange,
    Task,
    TaskReceivable,
)
from tests.factories import load, seed_customers, write
from workflows.actions import open_dispute, resolve_dispute
from workflows.cycle import CycleRefused, run_cycle, run_days

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy(ROOT / "rules")


def _receivables(engine: Engine, tmp_path: Path, rows: str) -> None:
    seed_customers(engine, tmp_path)
    header = "number,customer_code,issue_date,due_date,amount,currency\n"
    load(engine, "receivables", write(tmp_path / "r.csv", header + rows))


def _history(engine: Engine, number: str) -> list[tuple[str, str, str]]:
    with Session(engine) as s:
        stmt = (
            select(StageChange.on_date, StageChange.from_stage, StageChange.to_stage)
            .join(Receivable, Receivable.id == StageChange.receivable_id)
            .where(Receivable.number == number)
            .order_by(StageChange.id)
        )
        return [(d.isoformat(), a, b) for d, a, b in s.execute(stmt)]


def _stage(engine: Engine, number: str) -> str:
    with Session(engine) as s:
        return s.execute(select(Receivable.stage).where(Receivable.number == number)).scalar_one()


def test_a_receivable_walks_every_stage_on_the_exact_days(db, tmp_path):
    _receivables(db, tmp_path, "INV-1,C001,2026-01-01,2026-01-31,150000.00,CNY\n")
    run_days(db, POLICY, date(2026, 1, 20), date(2026, 1, 20) + timedelta(days=119))
    assert _history(db, "INV-1") == [
        ("2026-01-24", "current", "due_soon"),  # days_to_due <= 7
        ("2026-02-01", "due_soon", "overdue"),  # days_overdue >= 1
        ("2026-02-15", "overdue", "escalated"),  # 15 days and balance >= 100000
        ("2026-05-01", "escalated", "legal"),  # 90 days overdue, 75 in stage
    ]
    with Session(db) as s:
        tasks = s.execute(
            select(Task.kind, Task.assignee, Task.due_date, Task.rule_id).order_by(Task.id)
        ).all()
    assert [tuple(t) for t in tasks] == [
        ("call", "li.na", date(2026, 2, 17), "stage:escalated"),
        ("legal_handover", "legal", date(2026, 5, 6), "stage:legal"),
    ]


def test_smaller_balance_escalates_at_thirty_days(db, tmp_path):
    _receivables(db, tmp_path, "INV-2,C001,2026-01-01,2026-01-31,500.00,CNY\n")
    run_days(db, POLICY, date(2026, 2, 14), date(2026, 3, 3))
    assert _history(db, "INV-2")[-1] == ("2026-03-02", "overdue", "escalated")


def test_stages_are_never_skipped_in_the_record(db, tmp_path):
    _receivables(db, tmp_path, "INV-3,C001,2025-12-01,2026-01-01,200.00,CNY\n")
    summary = run_cycle(db, POLICY, date(2026, 2, 10))
    assert _history(db, "INV-3") == [
        ("2026-02-10", "current", "due_soon"),
        ("2026-02-10", "due_soon", "overdue"),
        ("2026-02-10", "overdue", "escalated"),
    ]
    assert (summary.stage_moves, summary.receivables_moved, summary.tasks_opened) == (3, 1, 1)
    with Session(db) as s:
        audit = s.execute(select(Activity).where(Activity.action == "stage_change")).scalar_one()
    assert audit.rule_id == "stage:escalated" and audit.policy_hash == POLICY.hash
    assert audit.details["facts"]["days_overdue"] == 40
    assert audit.details["facts"]["balance"] == "200.00"


def _business_state(engine: Engine) -> list[object]:
    with Session(engine) as s:
        return [
            s.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (StageChange, RiskWarning, Task, Activity)
        ] + [
            s.execute(
                select(Receivable.number, Receivable.stage, Receivable.stage_since).order_by(
                    Receivable.number
                )
            ).all()
        ]


PORTFOLIO = (
    "A-1,C001,2026-01-01,2026-01-31,150000.00,CNY\n"
    "A-2,C001,2026-02-01,2026-03-03,80000.00,CNY\n"
    "A-3,C002,2026-01-15,2026-02-14,60000.00,USD\n"
    "A-4,C002,2026-03-01,2026-04-30,1000.00,USD\n"
)


def test_running_twice_for_the_same_day_changes_nothing(db, tmp_path):
    _receivables(db, tmp_path, PORTFOLIO)
    first = run_cycle(db, POLICY, date(2026, 4, 20))
    assert first.stage_moves > 0 and first.warnings_opened > 0
    state = _business_state(db)
    second = run_cycle(db, POLICY, date(2026, 4, 20))
    assert (
        second.stage_moves,
        second.warnings_opened,
        second.warnings_closed,
        second.tasks_opened,
    ) == (0, 0, 0, 0)
    assert second.evaluated == first.evaluated
    assert _business_state(db) == state


def _story(engine: Engine) -> list[object]:
    """Stage history, warnings and tasks by business key (ids may differ between databases):
    a task by its kind, customer and the receivables linked to it (with when they left)."""
    with Session(engine) as s:
        moves = s.execute(
            select(Receivable.number, StageChange.on_date, StageChange.to_stage)
            .join(Receivable, Receivable.id == StageChange.receivable_id)
            .order_by(Receivable.number, StageChange.id)
        ).all()
        warns = s.execute(
            select(
                RiskWarning.rule_id,
                RiskWarning.subject,
                RiskWarning.opened_on,
                RiskWarning.closed_on,
            ).order_by(RiskWarning.subject, RiskWarning.rule_id, RiskWarning.opened_on)
        ).all()
        linked: dict[int, list[tuple[str, date | None]]] = {}
        for task_id, number, left_on in s.execute(
            select(TaskReceivable.task_id, Receivable.number, TaskReceivable.left_on)
            .join(Receivable, Receivable.id == TaskReceivable.receivable_id)
        ):
            linked.setdefault(task_id, []).append((number, left_on))
        tasks = sorted(
            (kind, code, tuple(sorted(linked.get(task_id, []))), due, status)
            for task_id, kind, code, due, status in s.execute(
                select(Task.id, Task.kind, Customer.code, Task.due_date, Task.status)
                .join(Customer, Customer.id == Task.customer_id)
            )
        )
    return [[tuple(r) for r in rows] for rows in (moves, warns, tasks)]


def test_replay_gives_the_same_end_state_as_daily_runs(db, tmp_path, sqlite_template):
    import shutil

    from ledger.db import make_engine

    _receivables(db, tmp_path, PORTFOLIO)
    run_days(db, POLICY, date(2026, 1, 25), date(2026, 5, 10))
    daily_file = tmp_path / "daily.db"
    shutil.copy(sqlite_template, daily_file)
    daily = make_engine(f"sqlite:///{daily_file}")
    (tmp_path / "daily").mkdir()
    _receivables(daily, tmp_path / "daily", PORTFOLIO)
    day = date(2026, 1, 25)
    while day <= date(2026, 5, 10):
        run_cycle(daily, POLICY, day)
        day += timedelta(days=1)
    replayed = _story(db)
    assert replayed[0] and replayed[1] and replayed[2]
    # escalate weeks apart: one call task for C001 lists both
    assert ("call", "C001", (("A-1", None), ("A-2", None)), date(2026, 2, 17), "open") in (
        replayed[2])
    assert replayed == _story(daily)
    daily.dispose()


def test_an_earlier_day_than_the_last_run_is_refused(db, tmp_path):
    _receivables(db, tmp_path, PORTFOLIO)
    run_cycle(db, POLICY, date(2026, 3, 1))
    with pytest.raises(CycleRefused):
        run_cycle(db, POLICY, date(2026, 2, 1))


def _policy(tmp_path: Path, warnings_yaml: str) -> object:
    folder = tmp_path / "policy"
    folder.mkdir(exist_ok=True)
    (folder / "collection.yaml").write_text((ROOT / "rules" / "collection.yaml").read_text())
    (folder / "warnings.yaml").write_text(warnings_yaml)
    return load_policy(folder)


def test_overlapping_warnings_all_fire_and_close_when_paid(db, tmp_path):
    policy = _policy(
        tmp_path,
        """
warnings:
  - id: late
    level: yellow
    when: days_overdue > 10
  - id: very-late
    level: orange
    when: days_overdue > 20
  - id: big-and-late
    level: red
    when: days_overdue > 20 and balance > 50000
  - id: slipping-customer
    scope: customer
    level: orange
    when: customer.overdue_ratio > 0.2
""",
    )
    _receivables(db, tmp_path, "W-1,C001,2026-01-01,2026-01-31,60000.00,CNY\n")
    summary = run_cycle(db, policy, date(2026, 3, 1))
    assert summary.warnings_opened == 4
    with Session(db) as s:
        open_ = s.execute(
            select(RiskWarning.rule_id, RiskWarning.scope, RiskWarning.subject)
            .where(RiskWarning.closed_on.is_(None))  # type: ignore[union-attr]
            .order_by(RiskWarning.rule_id)
        ).all()
    assert [tuple(w) for w in open_] == [
        ("big-and-late", "receivable", "W-1"),
        ("late", "receivable", "W-1"),
        ("slipping-customer", "customer", "C001"),
        ("very-late", "receivable", "W-1"),
    ]
    load(
        db,
        "payments",
        write(
            tmp_path / "p.csv", "reference,customer_code,date,amount\nP-1,C001,2026-03-02,60000\n"
        ),
    )
    summary = run_cycle(db, policy, date(2026, 3, 3))
    assert summary.warnings_closed == 4
    with Session(db) as s:
        assert (
            s.execute(
                select(func.count()).select_from(RiskWarning).where(RiskWarning.closed_on.is_(None))
            ).scalar_one()
            == 0
        )  # type: ignore[union-attr]


def test_zero_balance_settles_from_any_stage(db, tmp_path):
    _receivables(db, tmp_path, "S-1,C001,2026-01-01,2026-01-31,100.00,CNY\n")
    run_cycle(db, POLICY, date(2026, 3, 20))
    assert _stage(db, "S-1") == "escalated"
    with session_scope(db) as s:
        s.execute(Receivable.__table__.update().values(balance=Decimal("0")))
    summary = run_cycle(db, POLICY, date(2026, 3, 21))
    assert summary.settled == 1 and _stage(db, "S-1") == "paid"
    assert _history(db, "S-1")[-1] == ("2026-03-21", "escalated", "paid")


def test_a_dispute_holds_the_stage_until_resolved(db, tmp_path):
    _receivables(db, tmp_path, "D-1,C001,2026-01-01,2026-01-31,100.00,CNY\n")
    run_cycle(db, POLICY, date(2026, 2, 5))
    with session_scope(db) as s:
        open_dispute(s, "D-1", "wrong quantity", date(2026, 2, 5), actor="tester")
    run_days(db, POLICY, date(2026, 2, 6), date(2026, 3, 10))
    assert _stage(db, "D-1") == "disputed"
    with session_scope(db) as s:
        resolve_dispute(s, "D-1", date(2026, 3, 11), actor="tester")
    assert _stage(db, "D-1") == "overdue"
    run_cycle(db, POLICY, date(2026, 3, 11))
    assert _stage(db, "D-1") == "escalated"


def test_dry_run_writes_nothing_and_says_what_would_change(db, tmp_path):
    _receivables(db, tmp_path, PORTFOLIO)
    before = _business_state(db)
    summary = run_cycle(db, POLICY, date(2026, 4, 20), dry_run=True)
    assert _business_state(db) == before
    assert summary.stage_moves > 0
    kinds = {c["change"] for c in summary.changes}
    assert {"stage", "warning opened", "task"} <= kinds
    real = run_cycle(db, POLICY, date(2026, 4, 20))
    assert (real.stage_moves, real.warnings_opened, real.tasks_opened) == (
        summary.stage_moves,
        summary.warnings_opened,
        summary.tasks_opened,
    )


def test_a_long_jump_does_not_count_days_spent_in_an_earlier_stage(db, tmp_path):
    # 120 days overdue at its first cycle: legal's "days_in_stage >= 30" means 30 days in
    # escalated, not the days it sat in current, so it stops at escalated ...
    _receivables(db, tmp_path, "J-1,C001,2025-10-01,2025-11-01,500.00,CNY\n")
    run_cycle(db, POLICY, date(2026, 3, 1))
    assert _stage(db, "J-1") == "escalated"
    # ... and goes to legal 30 days later.
    run_cycle(db, POLICY, date(2026, 3, 30))
    assert _stage(db, "J-1") == "escalated"
    run_cycle(db, POLICY, date(2026, 3, 31))
    assert _history(db, "J-1")[-1] == ("2026-03-31", "escalated", "legal")


def test_a_dispute_opened_while_the_cycle_plans_is_never_overwritten(db, tmp_path, monkeypatch):
    """The day's single commit would overwrite the dispute: nothing of the day is written,
    and the day is planned again from the new facts (the dispute holds the stage)."""
    import workflows.cycle as cycle_module

    _receivables(db, tmp_path, "X-1,C001,2026-01-01,2026-01-31,100.00,CNY\n")
    planned = cycle_module.plan_receivables
    plans = []

    def plan_then_dispute(ctx, rows):
        plan = planned(ctx, rows)
        plans.append(len(plan.stage_rows))
        if len(plans) == 1:
            with session_scope(db) as other:  # a collector, in another transaction
                open_dispute(other, "X-1", "damaged goods", date(2026, 3, 1), actor="li.na")
        return plan

    monkeypatch.setattr(cycle_module, "plan_receivables", plan_then_dispute)
    summary = run_cycle(db, POLICY, date(2026, 3, 1))
    assert plans == [1, 0]  # planned to move, then re-planned without the move
    assert summary.stage_moves == 0
    assert _stage(db, "X-1") == "disputed"


def test_a_day_that_keeps_conflicting_is_refused_with_nothing_written(db, tmp_path, monkeypatch):
    import workflows.cycle as cycle_module
    from ledger.cycle_store import StageConflict

    _receivables(db, tmp_path, PORTFOLIO)

    def always_conflict(session, rows):
        raise StageConflict("1 receivable(s) changed stage meanwhile")

    def counts():
        with Session(db) as s:
            return [s.execute(select(func.count()).select_from(m)).scalar() for m in TABLES]

    before = counts()
    monkeypatch.setattr(cycle_module.store, "set_stages", always_conflict)
    with pytest.raises(CycleRefused, match="nothing of the day was written"):
        run_cycle(db, POLICY, date(2026, 3, 1))
    assert counts() == before


TABLES = (Activity, RiskWarning, StageChange, Task)


def test_two_cycles_at_once_are_refused(db, tmp_path):
    from ledger.locks import cycle_lock

    _receivables(db, tmp_path, PORTFOLIO)
    with cycle_lock(db), pytest.raises(CycleRefused, match="another cycle is running"):
        run_cycle(db, POLICY, date(2026, 3, 1))
    assert run_cycle(db, POLICY, date(2026, 3, 1)).stage_moves > 0


def test_a_promise_of_part_of_the_balance_is_kept_when_that_part_is_paid(db, tmp_path):
    from ledger.models import Promise
    from workflows.promises import record_promise

    _receivables(
        db,
        tmp_path,
        "P-1,C001,2026-01-01,2026-01-31,800.00,CNY\nP-2,C001,2026-01-01,2026-01-31,800.00,CNY\n",
    )
    with session_scope(db) as s:
        record_promise(
            s,
            number="P-1",
            promised_date=date(2026, 2, 10),
            on_date=date(2026, 2, 5),
            actor="t",
            amount=Decimal("100"),
        )
        record_promise(
            s,
            number="P-2",
            promised_date=date(2026, 2, 10),
            on_date=date(2026, 2, 5),
            actor="t",
            amount=Decimal("300"),
        )
    load(
        db,
        "payments",
        write(
            tmp_path / "p.csv",
            "reference,customer_code,date,amount,"
            "invoice_number\nX-1,C001,2026-02-09,100.00,P-1\n"
            "X-2,C001,2026-02-09,100.00,P-2\n",
        ),
    )
    summary = run_cycle(db, POLICY, date(2026, 2, 11))
    assert (summary.promises_kept, summary.promises_broken) == (1, 1)
    with Session(db) as s:
        statuses = s.execute(select(Promise.status).order_by(Promise.id)).scalars().all()
    assert statuses == ["kept", "broken"]
