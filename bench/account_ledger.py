"""The ledger the daily cycle leaves around a generated portfolio, written set-based.

bench/generate.py makes customers and receivables in the stages the example policy would
have given them. A live ledger also has, and the collector's pages read:

- one open ``call`` task per customer with escalated or legal receivables (assigned to
  its collector) and one ``legal_handover`` task (assignee ``legal``) per customer with
  legal receivables, their receivables linked in ``task_receivable``; a done call task
  from earlier for a quarter of the customers, its (now paid) receivables left;
- the ranking inputs refreshed by ``ledger.worklist.refresh_priorities`` (what the cycle
  pays each day: timed, the first time and after a day of part payments);
- contacts: a billing contact with a phone for nine customers in ten, a second person for
  three in ten;
- customer promises (open, and kept or broken ones before) and payment plans (one
  instalment kept, two open) on the customers' ``overdue`` receivables, which are in no
  task (a promised receivable leaves its task);
- the audit trail: a ``stage_change`` row per receivable that left ``current`` (as its
  stage history), calls logged on customers and on receivables.

Every step is one INSERT ... SELECT (or UPDATE), whatever the size.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

COLLECTORS_PREFIX = "col"
LEGAL = "legal"


@dataclass
class Shape:
    """What was written, and how long refreshing the ranking inputs took."""

    counts: dict[str, int] = field(default_factory=dict)
    refresh_seconds: float = 0.0  # the first: every open task's inputs written
    day_refresh_seconds: float = 0.0  # a day's: one linked receivable in twenty part-paid
    seconds: float = 0.0


def build(engine: Any, collectors: int, as_of: date) -> Shape:
    """Write it all, refresh the ranking inputs (timed), then gather planner statistics."""
    from sqlalchemy import text

    started = time.perf_counter()
    shape = Shape()
    # an empty JSON object, braces doubled: the audit statement is a str.format template
    json = "CAST('{{}}' AS JSON)" if engine.dialect.name == "postgresql" else "'{{}}'"
    with engine.begin() as conn:
        conn.execute(text("UPDATE customer SET collector = :p || CAST(id % :n AS TEXT)"),
                     {"p": COLLECTORS_PREFIX, "n": collectors})
        _tasks(conn, text, as_of)
        _contacts(conn, text)
        _promises(conn, text, as_of)
        _history(conn, text, json, as_of)
    shape.refresh_seconds = refresh(engine, as_of)
    shape.day_refresh_seconds = day_refresh(engine, as_of)
    analyze(engine)
    shape.counts = counts(engine)
    shape.seconds = time.perf_counter() - started
    return shape


def _tasks(conn: Any, text: Any, as_of: date) -> None:
    open_task = ("INSERT INTO task (kind, status, customer_id, assignee, due_date, rule_id,"
                 " policy_hash, created_on, note)"
                 " SELECT :kind, 'open', c.id, {assignee}, min(r.stage_since), :rule, '',"
                 " min(r.stage_since), '' FROM customer c JOIN receivable r"
                 " ON r.customer_id = c.id WHERE r.stage IN ({stages}) GROUP BY c.id{group}")
    conn.execute(text(open_task.format(assignee="c.collector", stages="'escalated', 'legal'",
                                       group=", c.collector")),
                 {"kind": "call", "rule": "stage:escalated"})
    conn.execute(text(open_task.format(assignee=":legal", stages="'legal'", group="")),
                 {"kind": "legal_handover", "rule": "stage:legal", "legal": LEGAL})
    # statistics for the tasks just written (this transaction's rows count), or PostgreSQL
    # takes the table for empty and joins each receivable to a scan of every task
    conn.execute(text("ANALYZE task"))
    link = ("INSERT INTO task_receivable (task_id, receivable_id, added_on, left_on,"
            " left_reason)"
            " SELECT t.id, r.id, r.stage_since, NULL, '' FROM task t JOIN receivable r"
            " ON r.customer_id = t.customer_id"
            " WHERE t.status = 'open' AND t.kind = :kind AND r.stage IN ({stages})")
    conn.execute(text(link.format(stages="'escalated', 'legal'")), {"kind": "call"})
    conn.execute(text(link.format(stages="'legal'")), {"kind": "legal_handover"})
    # what earlier calls finished: a done call task whose receivables were paid since
    conn.execute(text(
        "INSERT INTO task (kind, status, customer_id, assignee, due_date, rule_id,"
        " policy_hash, created_on, closed_on, note)"
        " SELECT 'call', 'done', c.id, c.collector, min(r.stage_since), 'stage:escalated', '',"
        " min(r.stage_since), max(r.stage_since), 'nothing left to collect (paid)'"
        " FROM customer c JOIN receivable r ON r.customer_id = c.id"
        " WHERE r.stage = 'paid' AND c.id % 4 = 0 AND r.stage_since < :before"
        " GROUP BY c.id, c.collector"), {"before": as_of - timedelta(days=30)})
    conn.execute(text(
        "INSERT INTO task_receivable (task_id, receivable_id, added_on, left_on, left_reason)"
        " SELECT t.id, r.id, t.created_on, r.stage_since, 'paid' FROM task t"
        " JOIN receivable r ON r.customer_id = t.customer_id"
        " WHERE t.status = 'done' AND r.stage = 'paid' AND r.stage_since < :before"),
        {"before": as_of - timedelta(days=30)})


def _contacts(conn: Any, text: Any) -> None:
    conn.execute(text(
        "INSERT INTO contact (customer_id, name, role, phone, mobile, email, wechat, language,"
        " billing) SELECT id, '财务 ' || code, 'accounts payable',"
        " '+86 21 5' || CAST(100000 + id AS TEXT), '', email, '', '', TRUE"
        " FROM customer WHERE id % 10 <> 0"))
    conn.execute(text(
        "INSERT INTO contact (customer_id, name, role, phone, mobile, email, wechat, language,"
        " billing) SELECT id, '采购 ' || code, 'purchasing', '',"
        " '+86 139 ' || CAST(10000000 + id AS TEXT), '', 'wx' || code, '', FALSE"
        " FROM customer WHERE id % 10 IN (0, 3, 6)"))


def _promises(conn: Any, text: Any, as_of: date) -> None:
    """Customer promises on the ``overdue`` receivables of one customer in twenty (open),
    kept and broken ones before on one in ten; plans on one in fifty."""
    day = timedelta(days=1)
    owed = ("SELECT customer_id, sum(balance) AS total FROM receivable"
            " WHERE stage = 'overdue' AND customer_id % {m} IN ({r}) GROUP BY customer_id")
    promise = ("INSERT INTO promise (customer_id, plan_id, promised_date, amount,"
               " balance_at_promise, status, created_on, broken_on)"
               " SELECT customer_id, NULL, :due, total, total, :status, :made, {broken}"
               " FROM (" + owed + ") owed")
    for status, due, made, m, r in (
            ("kept", as_of - 60 * day, as_of - 70 * day, 10, "1, 2"),
            ("broken", as_of - 30 * day, as_of - 40 * day, 10, "2, 4"),
            ("open", as_of + 5 * day, as_of - 3 * day, 20, "3")):
        conn.execute(text(promise.format(m=m, r=r, broken=":broken" if status == "broken"
                                         else "NULL")),
                     {"due": due, "made": made, "status": status, "broken": due + day})
    conn.execute(text(
        "INSERT INTO payment_plan (customer_id, status, created_on, created_by, closed_on,"
        " note) SELECT customer_id, 'open', :made, 'col', NULL, ''"
        " FROM receivable WHERE stage = 'overdue' AND customer_id % 50 = 7"
        " GROUP BY customer_id"),
        {"made": as_of - 40 * day})
    for n, (due, status) in enumerate((
            (as_of - 10 * day, "kept"), (as_of + 20 * day, "open"), (as_of + 50 * day, "open"))):
        conn.execute(text(
            "INSERT INTO promise (customer_id, plan_id, promised_date, amount,"
            " balance_at_promise, status, created_on, broken_on)"
            " SELECT pl.customer_id, pl.id, :due, owed.total / 3 + :n, owed.total, :status,"
            " pl.created_on, NULL FROM payment_plan pl JOIN (" + owed.format(m=50, r="7")
            + ") owed ON owed.customer_id = pl.customer_id"),
            {"due": due, "status": status, "n": n})
    conn.execute(text(
        "INSERT INTO promise_receivable (promise_id, receivable_id)"
        " SELECT p.id, r.id FROM promise p JOIN receivable r ON r.customer_id = p.customer_id"
        " WHERE r.stage = 'overdue'"))


def _history(conn: Any, text: Any, json: str, as_of: date) -> None:
    """Stage history and its audit rows, and calls logged (customer- and invoice-level)."""
    conn.execute(text(
        "INSERT INTO stage_change (receivable_id, from_stage, to_stage, on_date, rule_id,"
        " policy_hash, actor, created_at)"
        " SELECT id, 'current', stage, stage_since, 'bench-history', '', 'cycle',"
        " CURRENT_TIMESTAMP FROM receivable WHERE stage NOT IN ('current', 'paid')"))
    audit = ("INSERT INTO activity (on_date, actor, action, entity, entity_id, subject,"
             " rule_id, policy_hash, details) SELECT {on}, {actor}, :action, :entity, id,"
             " {subject}, '', '', " + json + " FROM {table} WHERE {where}")
    conn.execute(text(audit.format(on="stage_since", actor="'cycle'", subject="number",
                                   table="receivable",
                                   where="stage NOT IN ('current', 'paid')")),
                 {"action": "stage_change", "entity": "receivable"})
    conn.execute(text(audit.format(on=":on", actor="collector", subject="code",
                                   table="customer", where="id % 3 = 0")),
                 {"action": "call_logged", "entity": "customer", "on": as_of - timedelta(5)})
    conn.execute(text(audit.format(on=":on", actor="'col'", subject="number",
                                   table="receivable",
                                   where="id % 7 = 0 AND stage IN ('overdue', 'escalated',"
                                         " 'legal')")),
                 {"action": "call_logged", "entity": "receivable", "on": as_of - timedelta(9)})


def refresh(engine: Any, as_of: date) -> float:
    """``refresh_priorities`` over every open task, as the cycle ends each day: seconds."""
    from sqlmodel import Session

    from ledger.worklist import refresh_priorities

    started = time.perf_counter()
    with Session(engine) as session:
        refresh_priorities(session, as_of)
        session.commit()
    return time.perf_counter() - started


def day_refresh(engine: Any, as_of: date) -> float:
    """``refresh_priorities`` after a day that changed one linked balance in twenty (part
    payments), in a transaction rolled back after: seconds."""
    from sqlalchemy import text
    from sqlmodel import Session

    from ledger.worklist import refresh_priorities

    with Session(engine) as session:
        session.execute(text(
            "UPDATE receivable SET balance = balance - 100 WHERE id % 20 = 0"
            " AND stage IN ('escalated', 'legal') AND balance > 100"))
        started = time.perf_counter()
        refresh_priorities(session, as_of)
        seconds = time.perf_counter() - started
        session.rollback()
    return seconds


def analyze(engine: Any) -> None:
    """Planner statistics and (PostgreSQL) the visibility map, as autovacuum keeps them;
    on PostgreSQL the bench's own tables only (not every schema of the database)."""
    from sqlmodel import SQLModel

    import ledger.models  # noqa: F401  (the tables)

    tables = ", ".join(f'"{name}"' for name in sorted(SQLModel.metadata.tables))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM ANALYZE {tables}" if engine.dialect.name == "postgresql"
                             else "ANALYZE")


COUNTS = {
    "customers": "SELECT count(*) FROM customer",
    "receivables": "SELECT count(*) FROM receivable",
    "open_call_tasks": "SELECT count(*) FROM task WHERE status = 'open' AND kind = 'call'",
    "open_legal_tasks": "SELECT count(*) FROM task WHERE status = 'open'"
                        " AND kind = 'legal_handover'",
    "done_tasks": "SELECT count(*) FROM task WHERE status = 'done'",
    "open_links": "SELECT count(*) FROM task_receivable WHERE left_on IS NULL",
    "left_links": "SELECT count(*) FROM task_receivable WHERE left_on IS NOT NULL",
    "contacts": "SELECT count(*) FROM contact",
    "open_promises": "SELECT count(*) FROM promise WHERE plan_id IS NULL AND status = 'open'",
    "promises": "SELECT count(*) FROM promise",
    "plans": "SELECT count(*) FROM payment_plan",
    "activity": "SELECT count(*) FROM activity",
}


def counts(engine: Any) -> dict[str, int]:
    from sqlalchemy import text

    with engine.connect() as conn:
        return {name: int(conn.execute(text(sql)).scalar_one()) for name, sql in COUNTS.items()}
