"""Tasks worked by people: complete one (with a note) or hand it to someone else.

Each change is written with its audit row on the task's receivable (or its customer, for
a customer-level task), so the receivable's timeline shows who did what.
"""

from __future__ import annotations

from datetime import date

from ledger import task_store
from ledger.audit import AuditEntry, write_audit
from ledger.db import Session
from ledger.models import Task
from ledger.people_store import find_user
from workflows.errors import Forbidden, NotFound, Refused

# who may be given a task: people who work tasks (a credit manager may take one over)
ASSIGNABLE_ROLES = ("collector", "credit_manager")


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
    if task.receivable_id is not None:
        entity, entity_id = "receivable", task.receivable_id
    else:
        entity, entity_id = "customer", task.customer_id
    write_audit(session, [AuditEntry(
        on_date, actor, action, entity, entity_id, task_store.subject_of(session, task),
        task.rule_id, task.policy_hash, {"task_id": task.id, "kind": task.kind, **details})])


def complete_task(session: Session, task_id: int, note: str, on_date: date, actor: str) -> Task:
    """Close an open task as done; the note says what was done."""
    task = _open_task(session, task_id)
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
    if only_from is not None and task.assignee != only_from:
        raise Forbidden(f"task {task_id} is assigned to {task.assignee or 'nobody'}, "
                              "not to you")
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
