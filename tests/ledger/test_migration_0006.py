"""Migration 0006 merges the per-invoice tasks of revision 0005 into account tasks, on both
databases: one open task per (customer, kind, assignee) keeps every receivable of its
group linked (the earliest due date), the others are 'merged' into it; a closed task keeps
its receivable as a link that has left; tasks about the customer itself stay as they were;
the partial unique index then refuses a second open task for one key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from ledger.db import make_engine
from ledger.migrate import alembic_config, current_revision, is_current, upgrade
from tests.conftest import scratch_schema

D = date


def at_revision(request: pytest.FixtureRequest, tmp_path: Path, revision: str
                ) -> Iterator[Engine]:
    """A new, empty database migrated to ``revision`` (on PostgreSQL a schema of its own,
    dropped after): for a migration test to fill with the data of its time."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        upgrade(engine, revision)
        yield engine
        engine.dispose()
        return
    request.getfixturevalue("pg_schema_url")  # skips when PostgreSQL is not reachable
    with scratch_schema(f"arflow_m{revision}") as url:
        engine = make_engine(url)
        try:
            upgrade(engine, revision)
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def at_0005(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from at_revision(request, tmp_path, "0005")


def _filled(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with a plain value for every other required column of the old schema."""
    plain = {sa.String: "", sa.Text: "", sa.Integer: 0, sa.BigInteger: 0, sa.Boolean: False,
             sa.Date: D(2026, 1, 1), sa.JSON: {}}
    full = dict(row)
    for column in table.columns:
        if column.name in full or column.nullable or column.primary_key:
            continue
        if column.server_default is not None:
            continue
        full[column.name] = next(v for t, v in plain.items() if isinstance(column.type, t))
    return full


def _insert(conn: sa.Connection, name: str, rows: list[dict[str, Any]]) -> None:
    table = sa.Table(name, sa.MetaData(), autoload_with=conn)
    conn.execute(sa.insert(table), [_filled(table, row) for row in rows])


def _task(tid: int, kind: str, customer: int, receivable: int | None, assignee: str,
          due: date, created: date, status: str = "open", closed: date | None = None
          ) -> dict[str, Any]:
    return {"id": tid, "kind": kind, "status": status, "customer_id": customer,
            "receivable_id": receivable, "assignee": assignee, "due_date": due,
            "rule_id": "stage:escalated", "policy_hash": "", "created_on": created,
            "closed_on": closed, "note": ""}


def _old_book(engine: Engine) -> None:
    """Two customers, seven invoices, and the per-invoice tasks revision 0005 kept."""
    with engine.begin() as conn:
        _insert(conn, "customer", [
            {"id": 1, "code": "C001", "name": "华东机电", "collector": "li.na"},
            {"id": 2, "code": "C002", "name": "Acme", "collector": "wang.wei"}])
        _insert(conn, "receivable", [
            {"id": n, "number": f"R-{n}", "customer_id": 1 if n <= 5 else 2,
             "issue_date": D(2026, 1, 1), "due_date": D(2026, 1, 31), "amount": 100_00,
             "balance": 100_00, "currency": "CNY", "stage": "escalated"}
            for n in range(1, 8)])
        _insert(conn, "task", [
            _task(1, "call", 1, 1, "li.na", D(2026, 3, 5), D(2026, 3, 1)),
            _task(2, "call", 1, 2, "li.na", D(2026, 3, 3), D(2026, 3, 2)),  # earliest due
            _task(3, "call", 1, 3, "li.na", D(2026, 3, 10), D(2026, 3, 8)),
            _task(4, "call", 1, 4, "li.na", D(2026, 2, 22), D(2026, 2, 20), "done",
                  D(2026, 3, 4)),
            _task(5, "legal_handover", 1, 1, "legal", D(2026, 5, 6), D(2026, 5, 1)),
            _task(6, "legal_handover", 1, 2, "legal", D(2026, 5, 6), D(2026, 5, 1)),
            _task(7, "call", 1, 5, "wang.wei", D(2026, 3, 9), D(2026, 3, 7)),  # reassigned
            _task(8, "call", 2, 6, "wang.wei", D(2026, 3, 9), D(2026, 3, 7)),
            _task(9, "fix_contact_details", 2, None, "wang.wei", D(2026, 3, 7),
                  D(2026, 3, 7)),
            # a call about the customer itself shares task 8's key: merged into it too
            _task(10, "call", 2, None, "wang.wei", D(2026, 3, 9), D(2026, 3, 8)),
        ])
        _insert(conn, "promise", [  # promises were per invoice too
            {"id": 1, "receivable_id": 3, "promised_date": D(2026, 3, 20), "amount": 100_00,
             "status": "open", "created_on": D(2026, 3, 8)},
            {"id": 2, "receivable_id": 6, "promised_date": D(2026, 3, 1), "amount": None,
             "status": "broken", "created_on": D(2026, 2, 20), "broken_on": D(2026, 3, 2)}])
        if engine.dialect.name == "postgresql":  # ids given by hand: move the sequences on
            for table, last in (("task", 10), ("promise", 2)):
                conn.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})"))


def _state(engine: Engine) -> tuple[dict[int, tuple[Any, ...]], dict[int, list[Any]]]:
    """Every task (kind, status, customer, assignee, due, closed, note) and its links
    (receivable, added, left), read through the tables as they are now."""
    with engine.connect() as conn:
        task = sa.Table("task", sa.MetaData(), autoload_with=conn)
        link = sa.Table("task_receivable", sa.MetaData(), autoload_with=conn)
        tasks = {row.id: (row.kind, row.status, row.customer_id, row.assignee, row.due_date,
                          row.closed_on, row.note)
                 for row in conn.execute(sa.select(task))}
        links: dict[int, list[Any]] = {}
        for row in conn.execute(sa.select(link).order_by(link.c.task_id,
                                                         link.c.receivable_id)):
            links.setdefault(row.task_id, []).append(
                (row.receivable_id, row.added_on, row.left_on))
    return tasks, links


def test_per_invoice_tasks_merge_into_one_open_task_per_customer_kind_and_assignee(
        at_0005: Engine) -> None:
    _old_book(at_0005)
    assert current_revision(at_0005) == "0005"
    upgrade(at_0005)
    assert is_current(at_0005)
    tasks, links = _state(at_0005)
    merged = "merged into task 1"
    assert tasks == {
        1: ("call", "open", 1, "li.na", D(2026, 3, 3), None, ""),  # the group's earliest due
        2: ("call", "merged", 1, "li.na", D(2026, 3, 3), D(2026, 3, 2), merged),
        3: ("call", "merged", 1, "li.na", D(2026, 3, 10), D(2026, 3, 8), merged),
        4: ("call", "done", 1, "li.na", D(2026, 2, 22), D(2026, 3, 4), ""),
        5: ("legal_handover", "open", 1, "legal", D(2026, 5, 6), None, ""),
        6: ("legal_handover", "merged", 1, "legal", D(2026, 5, 6), D(2026, 5, 1),
            "merged into task 5"),
        7: ("call", "open", 1, "wang.wei", D(2026, 3, 9), None, ""),
        8: ("call", "open", 2, "wang.wei", D(2026, 3, 9), None, ""),
        9: ("fix_contact_details", "open", 2, "wang.wei", D(2026, 3, 7), None, ""),
        10: ("call", "merged", 2, "wang.wei", D(2026, 3, 9), D(2026, 3, 8),
             "merged into task 8"),
    }
    assert links == {
        1: [(1, D(2026, 3, 1), None), (2, D(2026, 3, 2), None), (3, D(2026, 3, 8), None)],
        4: [(4, D(2026, 2, 20), D(2026, 3, 4))],  # closed: its receivable has left
        5: [(1, D(2026, 5, 1), None), (2, D(2026, 5, 1), None)],
        7: [(5, D(2026, 3, 7), None)],
        8: [(6, D(2026, 3, 7), None)],
    }
    with at_0005.connect() as conn:  # each promise is its customer's, covering its invoice
        promise = sa.Table("promise", sa.MetaData(), autoload_with=conn)
        covers = sa.Table("promise_receivable", sa.MetaData(), autoload_with=conn)
        assert sorted(conn.execute(sa.select(promise.c.id, promise.c.customer_id,
                                             promise.c.status))) == [
            (1, 1, "open"), (2, 2, "broken")]
        assert sorted(conn.execute(sa.select(covers))) == [(1, 3), (2, 6)]
        open_per_key = conn.execute(sa.text(
            "SELECT customer_id, kind, assignee, count(*) FROM task WHERE status = 'open' "
            "GROUP BY customer_id, kind, assignee HAVING count(*) > 1")).all()
    assert open_per_key == []


def test_after_the_merge_the_index_refuses_a_second_open_task_for_a_key(
        at_0005: Engine) -> None:
    _old_book(at_0005)
    upgrade(at_0005)
    second = ("INSERT INTO task (kind, status, customer_id, assignee, due_date, rule_id, "
              "policy_hash, created_on, note) VALUES ('call', :status, 1, 'li.na', "
              "'2026-03-20', '', '', '2026-03-20', '')")
    with pytest.raises(sa.exc.IntegrityError), at_0005.begin() as conn:
        conn.execute(sa.text(second), {"status": "open"})
    with at_0005.begin() as conn:  # a closed one is history: allowed
        conn.execute(sa.text(second), {"status": "done"})
    tasks, _ = _state(at_0005)
    assert [t[1] for t in tasks.values()].count("open") == 5


def test_going_down_again_keeps_each_task_with_its_first_receivable(at_0005: Engine) -> None:
    _old_book(at_0005)
    upgrade(at_0005)
    config = alembic_config(at_0005)
    with at_0005.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")
    assert current_revision(at_0005) == "0005"
    with at_0005.connect() as conn:
        task = sa.Table("task", sa.MetaData(), autoload_with=conn)
        promise = sa.Table("promise", sa.MetaData(), autoload_with=conn)
        tasks = dict(conn.execute(sa.select(task.c.id, task.c.receivable_id)).all())
        promises = dict(conn.execute(sa.select(promise.c.id, promise.c.receivable_id)).all())
    assert tasks == {1: 1, 2: None, 3: None, 4: 4, 5: 1, 6: None, 7: 5, 8: 6, 9: None, 10: None}
    assert promises == {1: 3, 2: 6}
    upgrade(at_0005)  # and up once more: nothing lost that the merge keeps
    assert is_current(at_0005)
    assert _state(at_0005)[1][1] == [(1, D(2026, 3, 1), None)]
