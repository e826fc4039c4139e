"""Tasks worked by people, about a customer's account: complete one (with a note), hand
it to someone else; a call or a promise completes the customer's open call task; a
receivable paid, disputed, promised or written off leaves its tasks, and a task with
nothing left closes itself.

Only the assignee (or someone who sees all: a credit manager, an admin) completes or
reassigns a task. Each change is written with its audit row on the customer, so the
customer's timeline shows who did what.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ledger import task_store
from ledger.audit import AuditEntry, write_audit
from ledger.db import Session
from ledger.models import Task
from ledger.people_store import find_user
from ledger.worklist import refresh_priorities
from workflows.errors import Forbidden, NotFound, Refused

# who may be given a task: people who work tasks (a credit manager may take one over)
ASSIGNABLE_ROLES = ("collector", "credit_manager")
CALL = "call"  # the task a call or a promise completes


class TaskRefused(Refused):
    """The task cannot change that way; ``code`` is stable (the API returns it): 409 for a
    task already closed, 422 for a wrong assignee."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message, code=code, field=field)

    @property
    def status(self) -> int:  # type: ignore[override]
        return 409 if self.code == "task_closed" else 422


def _open_task(session: Session, task_id: int) -> Task:
    task = task_store.held_task(session, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    if task.status != "open":
        raise TaskRefused("task_closed", f"task {task_id} is already {task.status}")
    return task


def _audit(session: Session, task: Task, action: str, on_date: date, actor: str,
           details: dict[str, object]) -> None:
    write_audit(session, [AuditEntry(
        on_date, actor, action, "customer", task.customer_id,
        task_store.customer_code(session, task), task.rule_id, task.policy_hash,
        {"task_id": task.id, "kind": task.kind,
         "receivables": task_store.receivable_numbers(session, task.id or 0), **details})])


def _check_assignee(task: Task, only_from: str | None) -> None:
    if only_from is not None and task.assignee != only_from:
        raise Forbidden(f"task {task.id} is assigned to {task.assignee or 'nobody'}, "
                        "not to you")


def complete_task(session: Session, task_id: int, note: str, on_date: date, actor: str,
                  *, only_from: str | None = None) -> Task:
    """Close an open task as done; the note says what was done.

    ``only_from``: the caller may complete only tasks assigned to them (a collector);
    None lets them complete any (a credit manager, an admin, the system)."""
    task = _open_task(session, task_id)
    _check_assignee(task, only_from)
    task.status, task.closed_on, task.note = "done", on_date, note.strip()
    session.add(task)
    _audit(session, task, "task_completed", on_date, actor, {"note": note.strip()})
    return task


def reassign_task(session: Session, task_id: int, assignee: str, on_date: date, actor: str,
                  *, only_from: str | None = None) -> Task:
    """Give an open task to another active collector (or credit manager).

    ``only_from``: the caller may hand over only tasks assigned to them (a collector);
    None lets them reassign any (a credit manager)."""
    task = _open_task(session, task_id)
    _check_assignee(task, only_from)
    user = find_user(session, assignee)
    if user is None or not user.active or user.role not in ASSIGNABLE_ROLES:
        raise TaskRefused("unknown_assignee", f"{assignee!r} is not an active collector",
                          "assignee")
    if user.name == task.assignee:
        raise TaskRefused("invalid_input", f"task {task_id} is already assigned to {assignee}",
                          "assignee")
    before = task.assignee
    task.assignee = user.name
    session.add(task)
    _audit(session, task, "task_reassigned", on_date, actor, {"from": before, "to": user.name})
    return task


def complete_call_tasks(session: Session, customer_id: int, on_date: date, actor: str,
                        why: str) -> list[int]:
    """A call was made (any outcome) or a promise recorded for the customer: its open
    ``call`` tasks are done, whoever holds them (``why`` is the note). Returns their ids."""
    done = []
    for task_id in task_store.open_task_ids(session, customer_id, CALL):
        complete_task(session, task_id, why, on_date, actor)
        done.append(task_id)
    return done


def release_receivables(session: Session, receivable_ids: Iterable[int], on_date: date,
                        actor: str, reason: str, *, rank: bool = True
                        ) -> list[task_store.Closed]:
    """The receivables (paid, disputed, promised, written off: ``reason``) leave their
    tasks; each task left with none is closed, audited on its customer. The tasks they
    were in are ranked again at once (by the receivables still in them), unless the
    caller re-ranks them itself right after (``rank=False``)."""
    ids = sorted(set(receivable_ids))
    closed = task_store.leave(session, ids, on_date, reason)
    if rank:
        refresh_priorities(session, on_date, ids)
    write_audit(session, [AuditEntry(
        on_date, actor, "task_closed", "customer", c.customer_id, c.customer_code, c.rule_id,
        c.policy_hash,
        {"task_id": c.id, "kind": c.kind, "reason": reason, "receivables": list(c.left)})
        for c in closed])
    return closed
