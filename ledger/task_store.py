"""Tasks in the database: opening a customer's task (or adding receivables to the one
open), receivables leaving their tasks, one task held for a change, what a task is about.
workflows/tasks.py decides what changes; the cycle and the workflows open tasks here.

A task is about a customer's account: at most one open task per (customer, kind,
assignee), enforced by the partial unique index ``uq_task_open``. The receivables it
concerns are rows of ``task_receivable``; one that is paid, disputed, promised or written
off leaves (``left_on``), and a task whose receivables have all left closes itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, exists, insert, select, update
from sqlmodel import Session

from ledger.bulk import chunks
from ledger.models import Customer, Promise, PromiseReceivable, Receivable, Task, TaskReceivable


@dataclass(frozen=True, kw_only=True)
class TaskRow:
    """A task to open as ``open_tasks`` writes it (or the receivables to add to the open
    task of the same customer, kind and assignee)."""

    kind: str
    customer_id: int
    receivable_ids: tuple[int, ...] = ()
    assignee: str
    due_date: date
    rule_id: str
    policy_hash: str
    created_on: date
    note: str = ""

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.customer_id, self.kind, self.assignee)

    def row(self) -> dict[str, Any]:
        """The ``task`` table's row."""
        return {"kind": self.kind, "status": "open", "customer_id": self.customer_id,
                "assignee": self.assignee, "due_date": self.due_date, "rule_id": self.rule_id,
                "policy_hash": self.policy_hash, "created_on": self.created_on,
                "closed_on": None, "note": self.note}


def task_row(
    kind: str,
    *,
    customer_id: int,
    receivable_ids: Iterable[int] = (),
    assignee: str,
    due_date: date,
    rule_id: str,
    policy_hash: str,
    created_on: date,
    note: str = "",
) -> TaskRow:
    """An open task as ``open_tasks`` writes it (every task opened anywhere is one)."""
    return TaskRow(kind=kind, customer_id=customer_id, receivable_ids=tuple(receivable_ids),
                   assignee=assignee, due_date=due_date, rule_id=rule_id,
                   policy_hash=policy_hash, created_on=created_on, note=note)


@dataclass
class Opened:
    """What ``open_tasks`` did: task ids made (by key) and receivables added to open ones."""

    made: dict[tuple[int, str, str], int] = field(default_factory=dict)
    joined: dict[int, list[int]] = field(default_factory=dict)  # task id -> receivable ids

    def task_ids(self) -> list[int]:
        return sorted({*self.made.values(), *self.joined})


def open_tasks(session: Session, rows: Sequence[TaskRow]) -> Opened:
    """Open each row's task, or add its receivables to the open task of its customer, kind
    and assignee; rows of one key are merged (the earliest due date wins for a new task).

    A receivable that had left the task joins it again."""
    opened = Opened()
    if not rows:
        return opened
    by_key: dict[tuple[int, str, str], list[TaskRow]] = {}
    for row in rows:
        by_key.setdefault(row.key, []).append(row)
    existing = _open_ids(session, by_key)
    new = [min(group, key=lambda r: r.due_date) for key, group in by_key.items()
           if key not in existing]
    if new:
        t = Task.__table__
        made = session.execute(insert(t).returning(t.c.id, t.c.customer_id, t.c.kind,
                                                   t.c.assignee),
                               [r.row() for r in new])
        for tid, cid, kind, assignee in made:
            opened.made[(cid, kind, assignee)] = tid
    wanted: dict[int, dict[int, date]] = {}
    for key, group in by_key.items():
        tid = existing.get(key) or opened.made[key]
        for row in group:
            for rid in row.receivable_ids:
                wanted.setdefault(tid, {}).setdefault(rid, row.created_on)
    added = _link(session, wanted)
    opened.joined = {tid: rids for tid, rids in added.items() if tid not in
                     opened.made.values()}
    return opened


def _open_ids(session: Session, by_key: dict[tuple[int, str, str], list[TaskRow]]
              ) -> dict[tuple[int, str, str], int]:
    t = Task.__table__
    found: dict[tuple[int, str, str], int] = {}
    for chunk in chunks(sorted({cid for cid, _, _ in by_key})):
        stmt = select(t.c.id, t.c.customer_id, t.c.kind, t.c.assignee).where(
            t.c.status == "open", t.c.customer_id.in_(chunk))
        for tid, cid, kind, assignee in session.execute(stmt):
            if (cid, kind, assignee) in by_key:
                found[(cid, kind, assignee)] = tid
    return found


def _link(session: Session, wanted: dict[int, dict[int, date]]) -> dict[int, list[int]]:
    """Link receivables to tasks (or link them again); return what was not linked before."""
    link = TaskReceivable.__table__
    present: dict[tuple[int, int], date | None] = {}
    for chunk in chunks(sorted(wanted)):
        stmt = select(link.c.task_id, link.c.receivable_id, link.c.left_on).where(
            link.c.task_id.in_(chunk))
        present.update({(tid, rid): left for tid, rid, left in session.execute(stmt)})
    fresh, back, added = [], [], {}
    for tid, rids in wanted.items():
        for rid, on in rids.items():
            if (tid, rid) not in present:
                fresh.append({"task_id": tid, "receivable_id": rid, "added_on": on,
                              "left_on": None, "left_reason": ""})
            elif present[(tid, rid)] is not None:
                back.append((tid, rid))
            else:
                continue
            added.setdefault(tid, []).append(rid)
    if fresh:
        session.execute(insert(link), fresh)
    for tid, rid in back:
        session.execute(update(link).where(link.c.task_id == tid, link.c.receivable_id == rid)
                        .values(left_on=None, left_reason=""))
    return added


@dataclass(frozen=True)
class Closed:
    """A task closed because its receivables have all left."""

    id: int
    customer_id: int
    customer_code: str
    kind: str
    rule_id: str
    policy_hash: str
    left: tuple[str, ...]  # numbers of the receivables that left it now


def leave(session: Session, receivable_ids: Iterable[int], on: date, reason: str
          ) -> list[Closed]:
    """The receivables leave every open task they are in; each task left with none closes
    as done (``note`` says why). Returns the tasks closed."""
    ids = sorted(set(receivable_ids))
    if not ids:
        return []
    t, link, r = Task.__table__, TaskReceivable.__table__, Receivable.__table__
    touched: dict[int, list[str]] = {}
    for chunk in chunks(ids):
        active = (link.c.receivable_id.in_(chunk), link.c.left_on.is_(None),
                  link.c.task_id.in_(select(t.c.id).where(t.c.status == "open")))
        stmt = (select(link.c.task_id, r.c.number)
                .select_from(link.join(r, r.c.id == link.c.receivable_id)).where(*active))
        for tid, number in session.execute(stmt):
            touched.setdefault(tid, []).append(number)
        session.execute(update(link).where(*active).values(left_on=on, left_reason=reason))
    if not touched:
        return []
    still = exists().where(link.c.task_id == t.c.id, link.c.left_on.is_(None))
    closed = []
    for chunk in chunks(sorted(touched)):
        c = Customer.__table__
        stmt = (select(t.c.id, t.c.customer_id, c.c.code, t.c.kind, t.c.rule_id,
                       t.c.policy_hash)
                .select_from(t.join(c, c.c.id == t.c.customer_id))
                .where(t.c.id.in_(chunk), t.c.status == "open", ~still))
        closed.extend(Closed(*row, tuple(sorted(touched[row[0]])))
                      for row in session.execute(stmt))
    for chunk in chunks([c.id for c in closed]):
        session.execute(update(t).where(t.c.id.in_(chunk)).values(
            status="done", closed_on=on, note=f"nothing left to collect ({reason})"))
    return closed


def leaving(session: Session, as_of: date) -> dict[str, list[int]]:
    """Receivables still in an open task that should leave it, by reason: paid or written
    off, disputed, or covered by an open promise (the cycle's sweep)."""
    t, link, r = Task.__table__, TaskReceivable.__table__, Receivable.__table__
    p, pr = Promise.__table__, PromiseReceivable.__table__
    in_task = (select(link.c.receivable_id).where(
        link.c.left_on.is_(None), link.c.task_id.in_(select(t.c.id).where(t.c.status == "open")))
        .distinct().subquery())
    promised = exists().where(pr.c.receivable_id == r.c.id, pr.c.promise_id == p.c.id,
                              p.c.status == "open", p.c.promised_date >= as_of)
    gone = ("paid", "written_off", "disputed")
    stmt = (select(r.c.id, r.c.stage)
            .select_from(r.join(in_task, in_task.c.receivable_id == r.c.id))
            .where(r.c.stage.in_(gone) | promised))
    found: dict[str, list[int]] = {}
    for rid, stage in session.execute(stmt):
        found.setdefault(stage if stage in gone else "promised", []).append(rid)
    return found


def held_task(session: Session, task_id: int) -> Task | None:
    """The task, its row held for update until the transaction ends; None if there is none."""
    return session.get(Task, task_id, with_for_update=True)


def receivable_numbers(session: Session, task_id: int, *, active: bool = True) -> list[str]:
    """The numbers of the receivables the task is about (those not left, by default)."""
    link, r = TaskReceivable.__table__, Receivable.__table__
    stmt = (select(r.c.number).select_from(link.join(r, r.c.id == link.c.receivable_id))
            .where(link.c.task_id == task_id).order_by(r.c.due_date, r.c.number))
    if active:
        stmt = stmt.where(link.c.left_on.is_(None))
    return list(session.execute(stmt).scalars())


def customer_code(session: Session, task: Task) -> str:
    """The code of the task's customer ("" if that is gone): what the timeline names."""
    stmt = select(Customer.code).where(Customer.id == task.customer_id)
    return session.execute(stmt).scalar() or ""


def customers_with_open_task(session: Session, kind: str) -> set[int]:
    """The customers that have an open task of ``kind`` (one opens no second)."""
    t = Task.__table__
    stmt = select(t.c.customer_id).where(t.c.kind == kind, t.c.status == "open")
    return set(session.execute(stmt).scalars())


def open_task_ids(session: Session, customer_id: int, kind: str) -> list[int]:
    """The customer's open tasks of ``kind`` (one per assignee)."""
    t = Task.__table__
    stmt = select(t.c.id).where(and_(t.c.customer_id == customer_id, t.c.kind == kind,
                                     t.c.status == "open")).order_by(t.c.id)
    return list(session.execute(stmt).scalars())
