"""The daily cycle killed anywhere: readers see the whole day or none of it (issue 10).

The demo portfolio (small, with a month of history, disputes, promises falling due and
receivables paid to zero since the last run) is built once per kind of database; every
test starts from a copy of it. The day runs in a subprocess (tests/faults/killer.py) with
``chunk_size`` small enough to span several chunks, and SIGKILLs itself at an injected
point: just before / just after the day's commit, or just before the k-th SQL statement
(points spread over the whole day, counted in a clean run, and the day's last one).

After the kill, from this process: either nothing of the day exists (the state is the
portfolio's, byte for byte in its natural keys) or all of it does (a clean run's), and a
dispatcher finds nothing to claim unless the day's run record exists. Then the day is
recovered the way the service does it (run again unless the run record exists), and the
end state equals a clean run's on a separate database. A dispute landing between the
cycle's read and its write re-plans the day, leaving nothing half-written.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, delete, func, select, text, update
from sqlmodel import Session, SQLModel

from arflow.demo import build_demo
from ledger import outbox_store
from ledger.db import make_engine, session_scope
from ledger.migrate import upgrade
from ledger.models import (
    Activity,
    Customer,
    CycleRun,
    Outbox,
    Promise,
    PromiseReceivable,
    Receivable,
    Reminder,
    RiskWarning,
    StageChange,
    Task,
    TaskReceivable,
)
from tests.faults.killer import MAIL, POLICY
from workflows.actions import open_dispute
from workflows.cycle import run_cycle
from workflows.planner import ACTOR
from workflows.promises import record_promise

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2025, 6, 16)  # a Monday: reminders go out
CHUNK = 30
STATEMENT_POINTS = 8  # kills spread evenly over the day's statements, plus its last one
KILLS = [
    "after-commit-1",
    "before-commit-1",
    *[f"stmt-{i}/{STATEMENT_POINTS + 1}" for i in range(1, STATEMENT_POINTS + 1)],
    "stmt-last",
]


# --- the portfolio ------------------------------------------------------------------------


def build_portfolio(engine: Engine, workdir: Path) -> None:
    """The demo, imported the real way; a cycle four weeks before DAY (history, open
    warnings); promises made then that fall due unpaid before DAY (broken by the day);
    three warned receivables paid to zero since (settled, their warnings closed)."""
    result = build_demo(engine, DAY, seed=7, customers=60, invoices=1500, workdir=workdir)
    earlier = DAY - timedelta(weeks=4)
    with session_scope(engine) as session:
        for number in result["disputed"]:
            open_dispute(session, number, "quality complaint (demo)", earlier, actor="demo")
    run_cycle(engine, POLICY, earlier, force=True)
    with session_scope(engine) as session:
        active = (
            session.execute(
                select(Receivable.number)
                .where(Receivable.stage.in_(("overdue", "escalated", "current")))  # type: ignore[attr-defined]
                .order_by(Receivable.number)
            )
            .scalars()
            .all()
        )
        for number in active[:6]:
            record_promise(session, number, DAY - timedelta(days=5), earlier, actor="li.na")
        warned = (
            session.execute(
                select(RiskWarning.subject)
                .where(RiskWarning.scope == "receivable", RiskWarning.closed_on.is_(None))  # type: ignore[union-attr]
                .order_by(RiskWarning.subject)
            )
            .scalars()
            .all()
        )
        paid = sorted(set(warned) - set(active[:6]))[:3]  # their warnings close with them
        session.execute(
            update(Receivable).where(Receivable.number.in_(paid)).values(balance=0)  # type: ignore[attr-defined]
        )


def copy_sqlite(source: Path, target: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, target)


def copy_schema(template: str, url: str) -> None:
    """Every table of ``template`` (a schema beside the target's) into the empty schema at
    ``url``, identity sequences moved on past the copied ids."""
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in SQLModel.metadata.sorted_tables:
            source = f'"{template}"."{table.name}"'
            conn.execute(text(f'INSERT INTO "{table.name}" SELECT * FROM {source}'))
            if "id" in table.c and table.c.id.autoincrement is not False:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'coalesce(max(id), 0) + 1, false) FROM "{table.name}"'
                    )
                )
    engine.dispose()


# --- what readers see ---------------------------------------------------------------------


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the cycle writes, by natural keys (ids and clock stamps left out: a rolled
    back PostgreSQL transaction still spends its sequence values)."""
    r, c = Receivable.__table__, Customer.__table__
    with Session(engine) as s:
        number = {i: n for i, n in s.execute(select(r.c.id, r.c.number))}
        code = {i: n for i, n in s.execute(select(c.c.id, c.c.code))}
        outbox_key = {i: k for i, k in s.execute(select(Outbox.id, Outbox.key))}

        def rows(stmt: Any, shape: Any) -> list[tuple[Any, ...]]:
            return sorted((shape(row) for row in s.execute(stmt)), key=repr)

        t, w, sc = Task.__table__, RiskWarning.__table__, StageChange.__table__
        tr = TaskReceivable.__table__
        links: dict[int, list[tuple[Any, ...]]] = {}
        for task_id, rid, added, left, why in s.execute(
            select(tr.c.task_id, tr.c.receivable_id, tr.c.added_on, tr.c.left_on,
                   tr.c.left_reason)
        ):
            links.setdefault(task_id, []).append((number[rid], added, left, why))
        linked = {task_id: tuple(sorted(found)) for task_id, found in links.items()}
        a, o, m, p = Activity.__table__, Outbox.__table__, Reminder.__table__, Promise.__table__
        pr = PromiseReceivable.__table__
        return {
            "receivables": rows(
                select(r.c.number, r.c.stage, r.c.resume_stage, r.c.stage_since, r.c.balance),
                tuple,
            ),
            "stage_changes": rows(
                select(
                    sc.c.receivable_id,
                    sc.c.from_stage,
                    sc.c.to_stage,
                    sc.c.on_date,
                    sc.c.rule_id,
                    sc.c.actor,
                ),
                lambda x: (number[x[0]], *x[1:]),
            ),
            "warnings": rows(
                select(
                    w.c.rule_id, w.c.level, w.c.scope, w.c.subject, w.c.opened_on, w.c.closed_on
                ),
                tuple,
            ),
            "tasks": rows(
                select(
                    t.c.id,
                    t.c.kind,
                    t.c.status,
                    t.c.customer_id,
                    t.c.assignee,
                    t.c.due_date,
                    t.c.rule_id,
                    t.c.created_on,
                    t.c.closed_on,
                    t.c.note,
                    t.c.at_risk,
                    t.c.overdue_since,
                    t.c.receivable_stage,
                ),
                lambda x: (x[1], x[2], code[x[3]], linked.get(x[0], ()), *x[4:]),
            ),
            "outbox": rows(
                select(
                    o.c.key,
                    o.c.customer_id,
                    o.c.for_date,
                    o.c.template,
                    o.c.status,
                    o.c.step,
                    o.c.to_addr,
                    o.c.subject,
                    o.c.body_text,
                ),
                lambda x: (x[0], code[x[1]], *x[2:]),
            ),
            "reminders": rows(
                select(m.c.receivable_id, m.c.step, m.c.for_date, m.c.outbox_id, m.c.superseded),
                lambda x: (number[x[0]], x[1], x[2], outbox_key.get(x[3]), x[4]),
            ),
            "activities": rows(
                select(
                    a.c.on_date,
                    a.c.actor,
                    a.c.action,
                    a.c.entity,
                    a.c.entity_id,
                    a.c.subject,
                    a.c.rule_id,
                ),
                tuple,
            ),
            "promises": rows(
                select(pr.c.receivable_id, p.c.promised_date, p.c.status, p.c.broken_on)
                .select_from(p.join(pr, pr.c.promise_id == p.c.id)),
                lambda x: (number[x[0]], *x[1:]),
            ),
            "cycle_runs": rows(select(CycleRun.as_of, CycleRun.policy_hash), tuple),
        }


def day_counts(engine: Engine) -> dict[str, int]:
    """The cycle's rows of the day per kind, as a reader counts them (the demo's import
    settles a few receivables paid on DAY itself: those rows are the portfolio's)."""
    counts = {
        "stage_change": select(func.count()).where(
            StageChange.on_date == DAY, StageChange.actor == ACTOR
        ),
        "warning": select(func.count()).where(RiskWarning.opened_on == DAY),
        "warning_closed": select(func.count()).where(RiskWarning.closed_on == DAY),
        "task": select(func.count()).where(Task.created_on == DAY),
        "task_link": select(func.count()).where(TaskReceivable.added_on == DAY),
        "outbox": select(func.count()).where(Outbox.for_date == DAY),
        "reminder": select(func.count()).where(Reminder.for_date == DAY),
        "activity": select(func.count()).where(Activity.on_date == DAY, Activity.actor == ACTOR),
        "promise_broken": select(func.count()).where(Promise.status == "broken"),
        "cycle_run": select(func.count()).where(CycleRun.as_of == DAY),
    }
    with Session(engine) as s:
        return {name: s.execute(stmt).scalar_one() for name, stmt in counts.items()}


def claimable(engine: Engine) -> int:
    """What a dispatcher at 09:00 on DAY would claim now (claimed, then rolled back)."""
    now = datetime(DAY.year, DAY.month, DAY.day, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    with Session(engine) as s:
        claimed = outbox_store.claim(
            s,
            now=now,
            today=DAY,
            token="probe",
            lease_until=now + timedelta(minutes=5),
            limit=10_000,
        )
        s.rollback()
    return len(claimed)


# --- the subprocess -----------------------------------------------------------------------


def run_child(url: str, mode: str, target: int = 0) -> tuple[int, str, str]:
    """tests/faults/killer.py on ``url``; (return code, stdout, its PostgreSQL app name)."""
    app = f"arflow-kill-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.faults.killer",
            url,
            DAY.isoformat(),
            str(CHUNK),
            mode,
            str(target),
            app,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode not in (0, -9):
        raise AssertionError(f"killer {mode} {target} failed:\n{done.stderr[-3000:]}")
    return done.returncode, done.stdout, app


def wait_until_gone(engine: Engine, app: str) -> None:
    """A killed client's PostgreSQL backend rolls back and ends on its own, asynchronously;
    until it has, its advisory lock (and row locks) are still held."""
    if engine.dialect.name != "postgresql":
        return
    deadline = time.monotonic() + 15
    while True:
        with engine.connect() as conn:
            left = conn.execute(
                text("select count(*) from pg_stat_activity where application_name = :a"),
                {"a": app},
            ).scalar_one()
        if not left:
            return
        assert time.monotonic() < deadline, f"the killed cycle's backend {app} lingers"
        time.sleep(0.05)


def recover(engine: Engine) -> None:
    """What the service does on start (arflow.jobs.missed_cycle): run the day unless its
    run record exists."""
    with Session(engine) as s:
        recorded = s.execute(select(func.count()).where(CycleRun.as_of == DAY)).scalar_one()
    if not recorded:
        run_cycle(engine, POLICY, DAY, chunk_size=CHUNK, mail=MAIL)


# --- the reference: a clean run on a separate database ------------------------------------


@dataclass
class Reference:
    kind: str
    template: str  # a SQLite file or a PostgreSQL schema holding the portfolio
    base_url: str
    statements: int
    last_day_statement: int
    data_commits: int
    commits: int
    chunks: int
    before: dict[str, list[tuple[Any, ...]]]
    after: dict[str, list[tuple[Any, ...]]]
    counts: dict[str, int]
    claimable: int

    def restore(self, url: str) -> None:
        if self.kind == "sqlite":
            copy_sqlite(Path(self.template), Path(url.removeprefix("sqlite:///")))
        else:
            copy_schema(self.template, url)


class References:
    """One portfolio and one clean run per kind of database, built on first use."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.built: dict[str, Reference] = {}
        self.schemas: list[tuple[str, str]] = []

    def new_database(self, kind: str, db_url: str, name: str) -> str:
        if kind == "sqlite":
            url = f"sqlite:///{self.tmp / kind / name}.db"
        else:
            base = db_url.split("?", 1)[0]
            schema = f"arflow_kill_{uuid.uuid4().hex[:8]}_{name}"
            admin = make_engine(base)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            admin.dispose()
            self.schemas.append((base, schema))
            url = f"{base}?options=-csearch_path%3D{schema}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        return url

    def get(self, db_url: str) -> Reference:
        kind = "sqlite" if db_url.startswith("sqlite") else "postgresql"
        if kind not in self.built:
            self.built[kind] = self._build(kind, db_url)
        return self.built[kind]

    def _build(self, kind: str, db_url: str) -> Reference:
        (self.tmp / kind).mkdir(parents=True, exist_ok=True)
        template_url = self.new_database(kind, db_url, "template")
        engine = make_engine(template_url)
        build_portfolio(engine, self.tmp / kind / "csv")
        before = snapshot(engine)
        if kind == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        template = (
            template_url.removeprefix("sqlite:///") if kind == "sqlite" else self.schemas[-1][1]
        )
        clean_url = self.new_database(kind, db_url, "clean")
        ref = Reference(kind, template, db_url, 0, 0, 0, 0, 0, before, {}, {}, 0)
        ref.restore(clean_url)
        code, out, _ = run_child(clean_url, "count")
        assert code == 0
        seen = json.loads(out)
        engine = make_engine(clean_url)
        ref.statements, ref.last_day_statement = seen["statements"], seen["last_day"]
        ref.data_commits, ref.commits = seen["data_commits"], seen["commits"]
        ref.chunks = seen["chunks"]
        ref.after, ref.counts, ref.claimable = (
            snapshot(engine),
            day_counts(engine),
            claimable(engine),
        )
        engine.dispose()
        return ref

    def drop(self) -> None:
        for base, schema in self.schemas:
            admin = make_engine(base)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


@pytest.fixture(scope="module")
def references(tmp_path_factory: pytest.TempPathFactory) -> Iterator[References]:
    refs = References(tmp_path_factory.mktemp("cycle-kills"))
    yield refs
    refs.drop()


@pytest.fixture
def ref(references: References, db_url: str) -> Reference:
    return references.get(db_url)


def kill_target(ref: Reference, point: str) -> tuple[str, int]:
    if point.startswith(("after-commit-", "before-commit-")):
        mode, _, number = point.rpartition("-")
        return mode, int(number)
    if point == "stmt-last":
        return "statement", ref.last_day_statement
    i, parts = (int(n) for n in point.removeprefix("stmt-").split("/"))
    return "statement", max(1, round(i * ref.last_day_statement / parts))


def diff(state: dict[str, list[Any]], other: dict[str, list[Any]]) -> str:
    lines = []
    for name in state:
        gone = sorted(set(other[name]) - set(state[name]), key=repr)
        extra = sorted(set(state[name]) - set(other[name]), key=repr)
        if gone or extra or len(state[name]) != len(other[name]):
            lines.append(
                f"{name}: {len(state[name])} rows vs {len(other[name])}; missing {gone[:3]} "
                f"extra {extra[:3]}"
            )
    return "\n".join(lines)


# --- the tests ----------------------------------------------------------------------------


def test_a_clean_day_spans_several_chunks_and_commits_once(ref: Reference) -> None:
    assert ref.chunks >= 5, "the portfolio must span several chunks, or the old bug hides"
    assert ref.data_commits == 1, f"the day carried data in {ref.data_commits} commits"
    assert ref.last_day_statement > 50
    nonzero = {name for name, count in ref.counts.items() if count}
    assert nonzero == set(ref.counts), f"the day wrote no {set(ref.counts) - nonzero}"
    assert ref.counts["cycle_run"] == 1 and ref.claimable == ref.counts["outbox"] > 0
    assert ref.before != ref.after


@pytest.mark.parametrize("point", KILLS)
def test_a_cycle_killed_leaves_all_or_nothing_and_a_rerun_completes_the_day(
    ref: Reference, db_url: str, point: str
) -> None:
    ref.restore(db_url)
    mode, target = kill_target(ref, point)
    code, _, app = run_child(db_url, mode, target)
    assert code == -9, f"{point}: the cycle ran to the end without reaching statement {target}"
    engine = make_engine(db_url)
    try:
        wait_until_gone(engine, app)
        counts, state = day_counts(engine), snapshot(engine)
        committed = counts["cycle_run"] == 1
        if committed:
            assert counts == ref.counts, f"{point}: a committed day differs in its counts"
            assert state == ref.after, f"{point}: committed but not the clean day:\n" + diff(
                state, ref.after
            )
            assert claimable(engine) == ref.claimable
        else:
            assert counts == dict.fromkeys(ref.counts, 0), (
                f"{point}: half a day is visible: {counts}"
            )
            assert state == ref.before, f"{point}: half a day is visible:\n" + diff(
                state, ref.before
            )
            assert claimable(engine) == 0, f"{point}: a dispatcher would send from half a day"
        # the commit is the boundary: killed before it, nothing; after it, everything
        assert committed == (mode == "after-commit"), f"{point}: committed={committed}"
        recover(engine)
        state = snapshot(engine)
        assert state == ref.after, f"{point}: the rerun did not end as a clean run:\n" + diff(
            state, ref.after
        )
        assert day_counts(engine) == ref.counts
    finally:
        engine.dispose()


@pytest.mark.parametrize("chunk", [1, 3], ids=["first-chunk", "third-chunk"])
def test_a_dispute_between_read_and_write_replans_the_day(
    ref: Reference,
    references: References,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
) -> None:
    """A collector disputes a receivable the cycle has just planned to move, in another
    transaction: the day's write finds the stage changed (StageConflict), nothing of the day
    was written, and the day is planned again from the new facts.

    SQLite has one writer: once the day has written anything (the first chunk, or promises
    falling due), a person's write waits for the day's commit instead of racing it. So on
    SQLite the dispute can only land in the first chunk, before any write of the day: the
    expiring promises are taken out of that portfolio (and of its reference)."""
    import workflows.cycle as cycle_module

    if ref.kind == "sqlite" and chunk > 1:
        pytest.skip("SQLite: a person's write waits for the day's commit (one writer)")
    ref.restore(db_url)
    engine, person = make_engine(db_url), make_engine(db_url)
    if ref.kind == "sqlite":
        with session_scope(engine) as s:
            s.execute(delete(PromiseReceivable))
            s.execute(delete(Promise))
    before_day = None
    planned, run_day = cycle_module.plan_receivables, cycle_module._run_cycle
    calls = {"plans": 0, "attempts": 0}
    victim: list[str] = []
    during_retry: list[dict[str, list[Any]]] = []

    def plan_then_dispute(ctx: Any, rows: list[dict[str, Any]]) -> Any:
        plan = planned(ctx, rows)
        calls["plans"] += 1
        if calls["attempts"] == 1 and calls["plans"] == chunk:
            moving = {row.rid for row in plan.stage_rows}
            number = next(row["number"] for row in rows if row["id"] in moving)
            with session_scope(person) as other:  # a collector, in another transaction
                open_dispute(other, number, "damaged goods", DAY, actor="li.na")
            victim.append(number)
        return plan

    def attempt(*args: Any, **kwargs: Any) -> Any:
        calls["attempts"] += 1
        if calls["attempts"] > 1:
            during_retry.append(snapshot(person))  # what readers saw after the conflict
        return run_day(*args, **kwargs)

    monkeypatch.setattr(cycle_module, "plan_receivables", plan_then_dispute)
    monkeypatch.setattr(cycle_module, "_run_cycle", attempt)
    try:
        summary = run_cycle(engine, POLICY, DAY, chunk_size=CHUNK, mail=MAIL)
        monkeypatch.undo()
        assert victim and calls["attempts"] == 2, calls
        # the reference: the same portfolio with the dispute opened before the day
        clean_url = references.new_database(ref.kind, db_url, f"dispute{chunk}")
        ref.restore(clean_url)
        clean = make_engine(clean_url)
        with session_scope(clean) as s:
            if ref.kind == "sqlite":
                s.execute(delete(PromiseReceivable))
                s.execute(delete(Promise))
            open_dispute(s, victim[0], "damaged goods", DAY, actor="li.na")
        before_day = snapshot(clean)
        expected = run_cycle(clean, POLICY, DAY, chunk_size=CHUNK, mail=MAIL)
        assert during_retry == [before_day], "the failed attempt left rows behind:\n" + diff(
            during_retry[0], before_day
        )
        assert summary.as_dict() | {"seconds": 0} == expected.as_dict() | {"seconds": 0}
        state, wanted = snapshot(engine), snapshot(clean)
        assert state == wanted, diff(state, wanted)
        assert {r[0]: r[1] for r in state["receivables"]}[victim[0]] == "disputed"
        clean.dispose()
    finally:
        engine.dispose()
        person.dispose()
