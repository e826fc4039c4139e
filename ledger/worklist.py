"""The worklist in SQL: open customer tasks ordered by priority, and their counts.

Priority = balance at risk x days overdue (at least 1). A task is about a customer's
account: its balance at risk is the open balance of the receivables still in it, its
lateness that of the oldest of them; a task about the customer itself (no receivables: a
contact to fix, a credit review) ranks by the customer's overdue receivables. Amounts
are compared in cents whatever their currency: a ranking, not a sum to report. One
query for the page's ranking, one for its details, one for its invoices, one for counts.

The ranking reads the task row alone: ``task.at_risk``, ``task.overdue_since`` and
``task.receivable_stage`` (the furthest stage among its receivables, for the stage
filter) hold its inputs, written by ``refresh_priorities`` after each cycle and whenever
payments or people change balances or stages. Joining every open task to its receivables
instead cost ~40 ms at 8,000 open tasks on PostgreSQL; a task not refreshed yet (made by
a person since) is ranked from a live aggregate of its links, so none is ever missed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Select,
    and_,
    any_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES, OPEN_STAGES
from ledger.bulk import chunks
from ledger.facts import days_between
from ledger.models import Customer, Receivable, Task, TaskReceivable
from ledger.money import from_cents

T, R, C, L = Task.__table__, Receivable.__table__, Customer.__table__, TaskReceivable.__table__
# furthest first when a task's receivables are in several stages (a dispute ranks last)
STAGE_RANK = {stage: rank for rank, stage in enumerate(ACTIVE_STAGES)}


@dataclass(frozen=True)
class TaskFilter:
    """What to list; ``visible_to``: a collector sees tasks assigned to them or on their
    customers (None: everyone's). ``search``: part of a customer's code or name, any case."""

    assignee: str | None = None
    kind: str | None = None
    stage: str | None = None
    customer: str | None = None  # customer code
    search: str | None = None
    invoice: str | None = None  # receivable number
    status: str | None = "open"  # None: any
    visible_to: str | None = None
    task_id: int | None = None


def _furthest(stage_rank: Any) -> Any:
    """The stage name of the highest rank (``max`` of ranks, turned back into a name)."""
    return case({rank: stage for stage, rank in STAGE_RANK.items()}, value=stage_rank,
                else_=None)


def _rank(stage: Any) -> Any:
    return case(STAGE_RANK, value=stage, else_=-1)


def _in_task(task_id: Any) -> tuple[ColumnElement[bool], ...]:
    """The receivables still in the task (the correlated side of a subquery)."""
    return (L.c.task_id == task_id, L.c.left_on.is_(None))


def _link_totals(tasks: Select[Any]) -> Any:
    """Per task of ``tasks`` (a select of ids): the balance of the receivables still in it
    (cents, as a bigint: PostgreSQL's sum of bigints is numeric), the oldest due date and
    the furthest stage; a task with none has no row."""
    return (select(L.c.task_id, cast(func.sum(R.c.balance), BigInteger).label("balance"),
                   func.min(R.c.due_date).label("oldest"),
                   _furthest(func.max(_rank(R.c.stage))).label("stage"))
            .select_from(L.join(R, R.c.id == L.c.receivable_id))
            .where(L.c.left_on.is_(None), L.c.task_id.in_(tasks))
            .group_by(L.c.task_id).subquery("per_task"))


def refresh_priorities(session: Session, today: date,
                       receivable_ids: Iterable[int] | None = None) -> None:
    """Write the ranking inputs of open tasks: all of them (the cycle), or those that have
    (or had) one of ``receivable_ids`` and their customers' tasks about the customer.

    A task about receivables gets its inputs from one aggregate over the links joined to
    the task (UPDATE ... FROM), and only a task whose inputs changed is written: most do
    not change from one day to the next, and rewriting every open task each day (a
    correlated subquery per column and row) cost 29 s at 96,000 tasks on PostgreSQL,
    left every index of ``task`` bloated and the worklist's index-only scans reading
    the table until the next vacuum."""
    day = literal(today, Date)
    late = (R.c.customer_id == T.c.customer_id, R.c.stage.in_(OPEN_STAGES), R.c.due_date < day)
    owed = select(func.coalesce(func.sum(R.c.balance), 0)).where(*late).scalar_subquery()
    oldest = select(func.min(R.c.due_date)).where(*late).scalar_subquery()
    has_links = exists().where(*_in_task(T.c.id))
    ids = None if receivable_ids is None else sorted(set(receivable_ids))
    for chunk in [None] if ids is None else chunks(ids):
        of_account = [T.c.status == "open"]
        of_customer = [T.c.status == "open", ~has_links]
        if chunk is not None:
            of_account.append(T.c.id.in_(select(L.c.task_id).where(L.c.receivable_id.in_(chunk))))
            of_customer.append(T.c.customer_id.in_(
                select(R.c.customer_id).where(R.c.id.in_(chunk))))
        per_task = _link_totals(select(T.c.id).where(*of_account))
        changed = or_(T.c.at_risk.is_distinct_from(per_task.c.balance),
                      T.c.overdue_since.is_distinct_from(per_task.c.oldest),
                      T.c.receivable_stage.is_distinct_from(per_task.c.stage))
        session.execute(update(T).where(T.c.id == per_task.c.task_id, changed).values(
            at_risk=per_task.c.balance, overdue_since=per_task.c.oldest,
            receivable_stage=per_task.c.stage))
        session.execute(update(T).where(*of_customer).values(
            at_risk=type_coerce(owed, BigInteger), overdue_since=oldest, receivable_stage=None))


def _conditions(session: Session, f: TaskFilter) -> list[ColumnElement[bool]]:
    """The filters that read the task row, its customer (by id lists) or its links."""
    found: list[ColumnElement[bool]] = []
    if f.status:
        found.append(T.c.status == f.status)
    if f.task_id is not None:
        found.append(T.c.id == f.task_id)
    if f.assignee:
        found.append(T.c.assignee == f.assignee)
    if f.kind:
        found.append(T.c.kind == f.kind)
    if f.visible_to is not None:
        theirs = select(C.c.id).where(C.c.collector == f.visible_to)
        found.append(or_(T.c.assignee == f.visible_to, _among(session, T.c.customer_id, theirs)))
    if f.customer:
        found.append(T.c.customer_id.in_(select(C.c.id).where(C.c.code == f.customer)))
    if f.search and f.search.strip():
        # a filter on each task's own customer (a correlated scalar, never a join): the
        # planner cannot tell how many names match, and driving from the customers that
        # do (tens of thousands for a common word) cost 170 ms on PostgreSQL (50,000 customers)
        words = f.search.strip().lower()
        found.append(select(C.c.id).where(C.c.id == T.c.customer_id, or_(
            func.lower(C.c.code).contains(words, autoescape=True),
            func.lower(C.c.name).contains(words, autoescape=True))).scalar_subquery().is_not(None))
    if f.invoice:
        found.append(T.c.id.in_(select(L.c.task_id).select_from(
            L.join(R, R.c.id == L.c.receivable_id)).where(R.c.number == f.invoice,
                                                          L.c.left_on.is_(None))))
    return found


def _among(session: Session, column: Any, ids: Select[Any]) -> ColumnElement[bool]:
    """``column IN (ids)``; on PostgreSQL ``= ANY (ARRAY(ids))``, which an index can answer
    beside another index in an OR (a hashed IN list cannot: the collector's view of the
    API scanned every task, 50 ms at 100,000 tasks, against 11 ms)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(func.array(ids.scalar_subquery()))
    return column.in_(ids)


def _live(session: Session, today: date, f: TaskFilter) -> Any:
    """Ranking inputs of the tasks not refreshed yet (few), from their links and, for a
    task with none, from its customer's overdue receivables."""
    day = literal(today, Date)
    fresh = select(T.c.id).where(T.c.at_risk.is_(None), *_conditions(session, f))
    per_task = _link_totals(fresh)
    per_customer = (select(R.c.customer_id, func.sum(R.c.balance).label("balance"),
                           func.min(R.c.due_date).label("oldest"))
                    .where(R.c.customer_id.in_(select(T.c.customer_id).where(T.c.id.in_(fresh))),
                           R.c.stage.in_(OPEN_STAGES), R.c.due_date < day)
                    .group_by(R.c.customer_id).subquery("per_customer"))
    account = per_task.c.task_id.is_not(None)
    # a cast, not a coercion: PostgreSQL's sum of bigints is numeric, which would make the
    # whole union's at_risk numeric and every priority a numeric product (46,000 of them
    # for the legal team's list on PostgreSQL: 43 -> 34 ms)
    at_risk = cast(func.coalesce(case((account, per_task.c.balance),
                                      else_=per_customer.c.balance), 0), BigInteger)
    oldest = case((account, per_task.c.oldest), else_=per_customer.c.oldest)
    stage = case((account, per_task.c.stage), else_=None)
    return (select(T.c.id, T.c.due_date.label("task_due"), at_risk.label("at_risk"),
                   oldest.label("overdue_since"), stage.label("stage"))
            .select_from(T.outerjoin(per_task, per_task.c.task_id == T.c.id)
                         .outerjoin(per_customer, per_customer.c.customer_id == T.c.customer_id))
            .where(T.c.at_risk.is_(None), *_conditions(session, f)).subquery("live"))


def _ranked(session: Session, today: date, f: TaskFilter) -> Any:
    """Every matching task with (id, task_due, at_risk, overdue_since, stage): refreshed
    tasks from their row, the others live."""
    stored = select(T.c.id, T.c.due_date.label("task_due"), T.c.at_risk,
                    T.c.overdue_since, T.c.receivable_stage.label("stage")).where(
        T.c.at_risk.is_not(None), *_conditions(session, f))
    live = _live(session, today, f)
    if f.stage:
        stored = stored.where(T.c.receivable_stage == f.stage)
    fresh: Select[Any] = select(live)
    if f.stage:
        fresh = fresh.where(live.c.stage == f.stage)
    return union_all(stored, fresh).subquery("ranked")


def _priority(session: Session, today: date, ranked: Any) -> tuple[Any, Any]:
    days = func.coalesce(days_between(session, ranked.c.overdue_since, literal(today, Date)), 0)
    return days, ranked.c.at_risk * case((days < 1, 1), else_=days)


def tasks(session: Session, today: date, f: TaskFilter, limit: int, offset: int
          ) -> list[dict[str, Any]]:
    """One page of tasks, highest priority first (then earliest due, then oldest), each
    with the receivables still in it (oldest due first).

    Three steps: rank every matching task from its row alone (or live, if not refreshed),
    keep the page, then fetch the page's customers and invoices for those rows alone."""
    ranked = _ranked(session, today, f)
    days, priority = _priority(session, today, ranked)
    page = (select(ranked, days.label("days_overdue"), priority.label("priority"))
            .order_by(priority.desc(), ranked.c.task_due, ranked.c.id)
            .limit(limit).offset(offset).subquery("page"))
    stmt = (
        select(T.c.id, T.c.kind, T.c.status, T.c.assignee, T.c.due_date, T.c.rule_id,
               T.c.policy_hash, T.c.created_on, T.c.closed_on, T.c.note, T.c.customer_id,
               C.c.code.label("customer_code"), C.c.name.label("customer_name"),
               C.c.collector, page.c.stage, page.c.at_risk, page.c.days_overdue,
               page.c.priority)
        .select_from(page.join(T, T.c.id == page.c.id).join(C, C.c.id == T.c.customer_id))
        .order_by(page.c.priority.desc(), page.c.task_due, page.c.id)
    )
    rows = [_row(row) for row in session.execute(stmt)]
    invoices = _invoices(session, today, [row["id"] for row in rows])
    for row in rows:
        row["receivables"] = invoices.get(row["id"], [])
        row["invoices"] = len(row["receivables"])
        row["currency"] = row["receivables"][0]["currency"] if row["receivables"] else "CNY"
    return rows


def _row(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "kind": row.kind, "status": row.status, "assignee": row.assignee,
        "due_date": row.due_date, "rule_id": row.rule_id, "policy_hash": row.policy_hash,
        "created_on": row.created_on, "closed_on": row.closed_on, "note": row.note,
        "customer_id": row.customer_id, "customer": row.customer_code,
        "customer_name": row.customer_name, "collector": row.collector, "stage": row.stage,
        "balance_at_risk": from_cents(int(row.at_risk or 0)),
        "days_overdue": int(row.days_overdue or 0), "priority": int(row.priority or 0),
    }


def _invoices(session: Session, today: date, task_ids: list[int]
              ) -> dict[int, list[dict[str, Any]]]:
    """The receivables still in each task (a closed task: those it had when it closed)."""
    if not task_ids:
        return {}
    days = days_between(session, R.c.due_date, literal(today, Date))
    closed = T.c.status != "open"
    stmt = (select(L.c.task_id, R.c.number, R.c.stage, R.c.balance, R.c.currency,
                   R.c.due_date, days.label("days"))
            .select_from(L.join(R, R.c.id == L.c.receivable_id).join(T, T.c.id == L.c.task_id))
            .where(L.c.task_id.in_(task_ids),
                   or_(L.c.left_on.is_(None), and_(closed, L.c.left_on == T.c.closed_on)))
            .order_by(L.c.task_id, R.c.due_date, R.c.number))
    found: dict[int, list[dict[str, Any]]] = {}
    for row in session.execute(stmt):
        found.setdefault(row.task_id, []).append({
            "number": row.number, "stage": row.stage, "balance": row.balance,
            "currency": row.currency, "due_date": row.due_date,
            "days_overdue": max(int(row.days or 0), 0)})
    return found


def counts(session: Session, today: date, f: TaskFilter) -> dict[str, int]:
    """Total matching, due today, and overdue (due before today), from the index alone.

    Only the stage filter needs the ranking's inputs (a task not refreshed yet has its
    stage from a live aggregate); any other filter counts the task rows themselves: the
    ranked union read every row twice over (40 ms for the legal team's 46,000 tasks on
    PostgreSQL, against 8)."""
    due = T.c.due_date
    if f.stage:
        ranked = _ranked(session, today, f)
        source: Any = ranked
        due = ranked.c.task_due
        where: list[ColumnElement[bool]] = []
    else:
        source, where = T, _conditions(session, f)
    row = session.execute(select(
        func.count().label("total"),
        func.coalesce(func.sum(case((due == today, 1), else_=0)), 0),
        func.coalesce(func.sum(case((due < today, 1), else_=0)), 0),
    ).select_from(source).where(*where)).one()
    return {"total": int(row[0]), "due_today": int(row[1]), "overdue": int(row[2])}


def task(session: Session, today: date, task_id: int, visible_to: str | None
         ) -> dict[str, Any] | None:
    """One task of any status, or None (also when ``visible_to`` may not see it)."""
    found = tasks(session, today, TaskFilter(status=None, task_id=task_id,
                                             visible_to=visible_to), 1, 0)
    return found[0] if found else None
