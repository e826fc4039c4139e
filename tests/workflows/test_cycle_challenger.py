"""A champion naming a challenger, run by the cycle over a few days on both databases: each
customer moves by its arm's rules, and the stage history, the audit and the reminders name
the hash of the policy that decided them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session

from engine import load_policy
from ledger.models import Activity, CycleRun, PolicyVersion, Receivable, StageChange
from tests.factories import load, mail_setup, seed_customers, write
from tests.policies import champion_and_challenger
from workflows.cycle import run_cycle, run_days

# C001 is in segment manufacturing (the champion's), C002 in export (the challenger's)
ROWS = ("number,customer_code,issue_date,due_date,amount,currency\n"
        "INV-A,C001,2026-01-01,2026-01-31,50000.00,CNY\n"
        "INV-B,C002,2026-01-01,2026-01-31,50000.00,CNY\n")


def _moves(engine: Engine, number: str) -> list[tuple[str, str, str]]:
    with Session(engine) as s:
        stmt = (select(StageChange.on_date, StageChange.to_stage, StageChange.policy_hash)
                .join(Receivable, Receivable.id == StageChange.receivable_id)
                .where(Receivable.number == number).order_by(StageChange.id))
        return [(d.isoformat(), stage, h) for d, stage, h in s.execute(stmt)]


def _audit(engine: Engine, action: str) -> dict[str, set[str]]:
    """subject -> the policy hashes of its audit rows of ``action``."""
    with Session(engine) as s:
        rows = s.execute(select(Activity.subject, Activity.policy_hash)
                         .where(Activity.action == action))
        found: dict[str, set[str]] = {}
        for subject, policy_hash in rows:
            found.setdefault(subject, set()).add(policy_hash)
        return found


def test_each_customer_moves_by_the_rules_of_its_arm(db: Engine, tmp_path: Path):
    policy = load_policy(champion_and_challenger(
        tmp_path, "{folder: rules-challenger, segment: export}"))
    champion, challenger = policy.hash, policy.challenger_policy.hash
    seed_customers(db, tmp_path)
    load(db, "receivables", write(tmp_path / "r.csv", ROWS))
    first = date(2026, 2, 15)  # 15 days overdue: both walk to overdue on the first day
    summaries = run_days(db, policy, first, first + timedelta(days=16), mail=mail_setup())
    # the challenger escalates at 20 days overdue (02-20), the champion at 30 (03-02)
    assert _moves(db, "INV-A") == [("2026-02-15", "due_soon", champion),
                                   ("2026-02-15", "overdue", champion),
                                   ("2026-03-02", "escalated", champion)]
    assert _moves(db, "INV-B") == [("2026-02-15", "due_soon", challenger),
                                   ("2026-02-15", "overdue", challenger),
                                   ("2026-02-20", "escalated", challenger)]
    assert _audit(db, "stage_change") == {"INV-A": {champion}, "INV-B": {challenger}}
    # the reminders each arm's steps queued (first notice, then the final at 21 days)
    assert _audit(db, "reminder_queued") == {"C001": {champion}, "C002": {challenger}}
    # the call task escalated opens, audited under the hash of the policy that opened it
    with Session(db) as s:
        moves = s.execute(select(Activity.policy_hash, Activity.details)
                          .where(Activity.action == "stage_change")).all()
    tasks = {(h, task["kind"]) for h, d in moves for task in d.get("tasks_opened", [])}
    assert tasks == {(champion, "call"), (challenger, "call")}
    # one run a day recording both; both policies' files kept under their hashes
    assert {(x.challenger_hash, x.challenger_customers) for x in summaries} == {(challenger, 1)}
    with Session(db) as s:
        runs = s.execute(select(CycleRun.policy_hash, CycleRun.summary)).all()
        assert len(runs) == 17 and {h for h, _ in runs} == {champion}
        assert {x["challenger_hash"] for _, x in runs} == {challenger}
        assert set(s.execute(select(PolicyVersion.hash)).scalars()) == {champion, challenger}


def test_a_second_run_of_the_day_changes_nothing_under_both_arms(db: Engine, tmp_path: Path):
    policy = load_policy(champion_and_challenger(
        tmp_path, "{folder: rules-challenger, segment: export}"))
    seed_customers(db, tmp_path)
    load(db, "receivables", write(tmp_path / "r.csv", ROWS))
    day = date(2026, 2, 25)
    first = run_cycle(db, policy, day, mail=mail_setup())
    again = run_cycle(db, policy, day, mail=mail_setup())
    assert (first.receivables_moved, first.reminders_queued) == (2, 2)
    assert (again.receivables_moved, again.reminders_queued, again.tasks_opened) == (0, 0, 0)
    # the challenger's INV-B escalated on the first day; a dry run of 03-02 shows the
    # champion's INV-A escalating at its 30 days
    dry = run_cycle(db, policy, date(2026, 3, 2), dry_run=True)
    assert dry.challenger_hash == policy.challenger_policy.hash
    assert [(c["subject"], c["to"]) for c in dry.changes if c["change"] == "stage"] == [
        ("INV-A", "escalated")]


def test_an_order_is_checked_under_its_customers_arm(db: Engine, tmp_path: Path):
    from decimal import Decimal

    from ledger.db import session_scope
    from workflows.orders import add

    policy = load_policy(champion_and_challenger(
        tmp_path, "{folder: rules-challenger, segment: export}"))
    seed_customers(db, tmp_path)
    with session_scope(db) as session:
        add(session, policy, "C001", Decimal("100.00"), "SO-1", date(2026, 3, 2), "cli:test")
        add(session, policy, "C002", Decimal("100.00"), "SO-2", date(2026, 3, 2), "cli:test")
    assert _audit(db, "order_added") == {"SO-1": {policy.hash},
                                         "SO-2": {policy.challenger_policy.hash}}


def test_an_arm_without_customers_is_warned_about(db: Engine, tmp_path: Path, caplog):
    """``segment: NOSUCH``: the challenger decides for nobody; the summary and the log say
    so instead of a silent challenger_customers 0 (issue 16 review)."""
    policy = load_policy(champion_and_challenger(
        tmp_path, "{folder: rules-challenger, segment: NOSUCH}"))
    seed_customers(db, tmp_path)
    with caplog.at_level("WARNING", logger="arflow.cycle"):
        summary = run_cycle(db, policy, date(2026, 2, 15))
    assert summary.challenger_customers == 0 and summary.empty_arms == ["challenger"]
    assert summary.as_dict()["empty_arms"] == ["challenger"]
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "cycle 2026-02-15: the challenger arm has no customers (challenger: segment NOSUCH)"]
    caplog.clear()
    with caplog.at_level("WARNING", logger="arflow.cycle"):
        plain = run_cycle(db, load_policy(tmp_path / "rules-challenger"), date(2026, 2, 16))
    assert "empty_arms" not in plain.as_dict() and not caplog.records
