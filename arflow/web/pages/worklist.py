"""The collector's worklist: one row per customer task, highest priority first, with what
a call needs beside it (whom to call, the promise or plan, the last contact) and its
invoices on expanding; and the task forms (complete, reassign) every collector page
posts to. The bulk form over selected rows is in pages/bulk.py.

A collector sees the tasks assigned to them; a credit manager may look at anyone's with
``?assignee=``. The SQL is in ledger/worklist.py and ledger/reads/accounts.py, the
changes in workflows/tasks.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from arflow.auth import Principal
from arflow.web import deps
from arflow.web.api.actions import NO_NUL, RowId
from arflow.web.auth import permitted
from arflow.web.errors import ApiError
from arflow.web.pages.forms import submit
from arflow.web.pages.render import back_to, page
from engine.stages import OPEN_STAGES
from ledger import worklist
from ledger.db import Session
from ledger.people_store import collector_names
from ledger.reads.accounts import account_summaries
from workflows.tasks import complete_task, reassign_task

router = APIRouter(include_in_schema=False)
Collector = permitted("collect")
PAGE_SIZE = 50
SHOWN_INVOICES = 12  # an account's oldest invoices on unfolding; the rest: its page
KINDS = ("call", "legal_handover", "fix_contact_details", "report_to_insurer")
Filter = Annotated[str, Query(max_length=64, pattern=NO_NUL)]


@dataclass(frozen=True)
class Filters:
    """What the worklist shows; kept in the pager links and in the forms' way back."""

    kind: str = ""
    stage: str = ""
    customer: str = ""  # an exact customer code (links from elsewhere)
    q: str = ""  # part of a customer's code or name
    assignee: str = ""

    def kept(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}

    def url(self, offset: int = 0) -> str:
        query = {**self.kept(), **({"offset": str(offset)} if offset else {})}
        return "/worklist" + (f"?{urlencode(query)}" if query else "")


def safe_back(back: str, fallback: str = "/worklist") -> str:
    """Only a path on this site (never ``//evil.example`` or a full URL)."""
    return back if back.startswith("/") and not back.startswith(("//", "/\\")) else fallback


@router.get("/worklist", response_class=HTMLResponse)
def worklist_page(
    request: Request, db: deps.DbSession, today: deps.Today, who: Collector,
    kind: Filter = "", stage: Filter = "", customer: Filter = "",
    q: Annotated[str, Query(max_length=200, pattern=NO_NUL)] = "",
    assignee: Filter = "", offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Response:
    """Highest priority first; filters travel in the pager links."""
    return show(request, db, today, who,
                Filters(kind.strip(), stage.strip(), customer.strip(), q.strip(),
                        assignee.strip()), offset)


def show(request: Request, db: Session, today: date, who: Principal, filters: Filters,
         offset: int = 0) -> Response:
    """The worklist page for ``filters`` (also shown again under a refused form)."""
    if filters.assignee and filters.assignee != who.name and not who.sees_all:
        raise ApiError(403, "forbidden", "collectors see their own worklist only")
    person = filters.assignee or who.name
    f = worklist.TaskFilter(assignee=person, kind=filters.kind or None,
                            stage=filters.stage or None, customer=filters.customer or None,
                            search=filters.q or None)
    rows = worklist.tasks(db, today, f, PAGE_SIZE, offset)
    counts = worklist.counts(db, today, f)
    accounts = account_summaries(db, {row["customer_id"] for row in rows}, today)
    for row in rows:
        row["account"] = accounts.get(row["customer_id"])
        contact = row["account"].contact if row["account"] else None
        row["tel"] = dial(contact.number) if contact else ""
    pager = {
        "prev": filters.url(max(offset - PAGE_SIZE, 0)) if offset > 0 else None,
        "next": (filters.url(offset + PAGE_SIZE)
                 if offset + PAGE_SIZE < counts["total"] else None),
    }
    return page(request, "collector/worklist.html", who, rows=rows, counts=counts,
                today=today, person=person, kinds=KINDS, stages=OPEN_STAGES,
                filters=filters, pager=pager, offset=offset, here=filters.url(offset),
                collectors=collector_names(db), shown_invoices=SHOWN_INVOICES)


def dial(number: str) -> str:
    """A ``tel:`` target: digits and a leading +, nothing a phone would not dial."""
    digits = re.sub(r"[^\d+]", "", number)
    return digits[:1] + digits[1:].replace("+", "")


def filters_of(path: str) -> tuple[Filters, int]:
    """The filters and offset of a worklist URL (a form's way back)."""
    query = dict(parse_qsl(urlsplit(path).query))
    known = {k: query.get(k, "")[:200] for k in ("kind", "stage", "customer", "q", "assignee")}
    offset = query.get("offset", "0")
    return Filters(**known), int(offset) if offset.isdigit() and len(offset) < 10 else 0


def page_at(request: Request, db: Session, today: date, who: Principal, path: str
            ) -> Response:
    """The collector page at ``path`` (where the task forms are), else the worklist with
    the filters ``path`` carries."""
    from urllib.parse import unquote

    from arflow.web.pages import receivable

    bare = urlsplit(path).path
    for prefix, found in (("/receivables/", receivable.receivable_page),
                          ("/customers/", receivable.customer_page)):
        key = bare.removeprefix(prefix)
        if bare.startswith(prefix) and key and "/" not in key:
            return found(request, unquote(key), db, today, who)
    filters, offset = filters_of(path) if bare == "/worklist" else (Filters(), 0)
    return show(request, db, today, who, filters, offset)


def _visible_task(db: Session, who: Principal, today: date, task_id: int) -> None:
    found = worklist.task(db, today, task_id, None if who.sees_all else who.name)
    if found is None:
        raise ApiError(404, "not_found", f"no task {task_id}")


def _on_task(request: Request, db: Session, today: date, who: Principal, task_id: int,
             form: str, values: dict[str, str], back: str, act: Callable[[], Any],
             done: str, **done_values: str) -> Response:
    """Run a task form; a refusal shows the page it was posted from (``back``: the
    worklist, a receivable or a customer) again with the message beside the task."""
    back = safe_back(back)

    def run() -> Response:
        _visible_task(db, who, today, task_id)
        act()
        db.commit()
        return back_to(back, done, **done_values)

    return submit(request, who, f"task-{task_id}-{form}", values, run, db=db, path=back,
                  again=lambda: page_at(request, db, today, who, back))


@router.post("/tasks/{task_id}/complete")
def complete_form(
    request: Request, task_id: RowId, db: deps.DbSession, today: deps.Today, who: Collector,
    note: Annotated[str, Form(max_length=2000, pattern=NO_NUL)] = "",
    back: Annotated[str, Form(max_length=500, pattern=NO_NUL)] = "/worklist",
) -> Response:
    return _on_task(request, db, today, who, task_id, "complete", {"note": note}, back,
                    lambda: complete_task(db, task_id, note, today, who.actor,
                                          only_from=None if who.sees_all else who.name),
                    "collector.done.task")


@router.post("/tasks/{task_id}/reassign")
def reassign_form(
    request: Request, task_id: RowId, db: deps.DbSession, today: deps.Today, who: Collector,
    assignee: Annotated[str, Form(max_length=64, pattern=NO_NUL)] = "",
    back: Annotated[str, Form(max_length=500, pattern=NO_NUL)] = "/worklist",
) -> Response:
    def act() -> None:
        if not assignee.strip():
            raise ApiError(422, "invalid_input", "choose whom to give the task to",
                           "assignee")
        reassign_task(db, task_id, assignee.strip(), today, who.actor,
                      only_from=None if who.sees_all else who.name)

    return _on_task(request, db, today, who, task_id, "reassign", {"assignee": assignee}, back,
                    act, "collector.done.reassigned", name=assignee.strip())
