"""The collector's worklist: open tasks by priority, with the day's counts; and the task
forms (complete, reassign) that every collector page posts to.

A collector sees the tasks assigned to them; a credit manager may look at anyone's with
``?assignee=``. The SQL is in ledger/worklist.py, the changes in workflows/tasks.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from arflow.auth import Principal
from arflow.web import deps
from arflow.web.api.actions import NO_NUL, RowId
from arflow.web.auth import permitted
from arflow.web.errors import ApiError
from arflow.web.pages.forms import submit
from arflow.web.pages.render import back_to, page, translator
from engine.stages import OPEN_STAGES
from ledger import worklist
from ledger.db import Session
from workflows.tasks import complete_task, reassign_task

router = APIRouter(include_in_schema=False)
Collector = permitted("collect")
PAGE_SIZE = 50
KINDS = ("call", "legal_handover", "fix_contact_details", "report_to_insurer")


def _safe_back(back: str, fallback: str = "/worklist") -> str:
    return back if back.startswith("/") and not back.startswith("//") else fallback


@router.get("/worklist", response_class=HTMLResponse)
def worklist_page(
    request: Request, db: deps.DbSession, today: deps.Today, who: Collector,
    kind: Annotated[str, Query(max_length=32, pattern=NO_NUL)] = "",
    stage: Annotated[str, Query(max_length=16, pattern=NO_NUL)] = "",
    customer: Annotated[str, Query(max_length=64, pattern=NO_NUL)] = "",
    assignee: Annotated[str, Query(max_length=64, pattern=NO_NUL)] = "",
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Response:
    """Highest priority first; filters travel in the pager links."""
    if assignee and assignee != who.name and not who.sees_all:
        raise ApiError(403, "forbidden", "collectors see their own worklist only")
    person = assignee or who.name
    f = worklist.TaskFilter(assignee=person, kind=kind or None, stage=stage or None,
                            customer=customer.strip() or None)
    rows = worklist.tasks(db, today, f, PAGE_SIZE, offset)
    counts = worklist.counts(db, today, f)
    kept = {k: v for k, v in {"kind": kind, "stage": stage, "customer": customer,
                              "assignee": assignee}.items() if v}
    pager = {
        "prev": (f"?{urlencode({**kept, 'offset': max(offset - PAGE_SIZE, 0)})}"
                 if offset > 0 else None),
        "next": (f"?{urlencode({**kept, 'offset': offset + PAGE_SIZE})}"
                 if offset + PAGE_SIZE < counts["total"] else None),
    }
    from ledger.people_store import collector_names

    return page(request, "collector/worklist.html", who, rows=rows, counts=counts,
                today=today, person=person, kinds=KINDS, stages=OPEN_STAGES,
                filters={"kind": kind, "stage": stage, "customer": customer,
                         "assignee": assignee},
                pager=pager, offset=offset, collectors=collector_names(db))


def _visible_task(db: Session, who: Principal, today: date, task_id: int) -> None:
    found = worklist.task(db, today, task_id, None if who.sees_all else who.name)
    if found is None:
        raise ApiError(404, "not_found", f"no task {task_id}")


def _on_task(request: Request, db: Session, today: date, who: Principal, task_id: int,
             form: str, values: dict[str, str], back: str, act: Callable[[], None],
             done: Callable[[], str]) -> Response:
    """Run a task form; a refusal shows the page it was posted from (``back``: the
    worklist, a receivable or a customer) again with the message beside the task."""
    back = _safe_back(back)

    def run() -> Response:
        _visible_task(db, who, today, task_id)
        act()
        db.commit()
        return back_to(back, done=done())

    return submit(request, who, f"task-{task_id}-{form}", values, run, db=db, path=back,
                  again=lambda: _page_at(request, db, today, who, back))


def _page_at(request: Request, db: Session, today: date, who: Principal, path: str
             ) -> Response:
    """The collector page at ``path`` (where the task forms are), else the worklist."""
    from urllib.parse import unquote

    from arflow.web.pages import receivable

    for prefix, show in (("/receivables/", receivable.receivable_page),
                         ("/customers/", receivable.customer_page)):
        key = path.removeprefix(prefix)
        if path.startswith(prefix) and key and "/" not in key:
            return show(request, unquote(key), db, today, who)
    return worklist_page(request, db, today, who, "", "", "", "", 0)


@router.post("/tasks/{task_id}/complete")
def complete_form(
    request: Request, task_id: RowId, db: deps.DbSession, today: deps.Today, who: Collector,
    note: Annotated[str, Form(max_length=2000, pattern=NO_NUL)] = "",
    back: Annotated[str, Form(max_length=500, pattern=NO_NUL)] = "/worklist",
) -> Response:
    return _on_task(request, db, today, who, task_id, "complete", {"note": note}, back,
                    lambda: complete_task(db, task_id, note, today, who.actor),
                    lambda: translator(request, who)("collector.done.task"))


@router.post("/tasks/{task_id}/reassign")
def reassign_form(
    request: Request, task_id: RowId, db: deps.DbSession, today: deps.Today, who: Collector,
    assignee: Annotated[str, Form(min_length=1, max_length=64, pattern=NO_NUL)],
    back: Annotated[str, Form(max_length=500, pattern=NO_NUL)] = "/worklist",
) -> Response:
    return _on_task(request, db, today, who, task_id, "reassign", {"assignee": assignee}, back,
                    lambda: reassign_task(db, task_id, assignee.strip(), today, who.actor,
                                          only_from=None if who.sees_all else who.name),
                    lambda: translator(request, who)("collector.done.reassigned",
                                                     name=assignee))
