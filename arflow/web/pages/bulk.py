"""The worklist's bulk form: reassign, complete, or pause reminders for the customers of
the rows ticked, in one transaction.

Each row is checked on its own, as its single form would be: the task must be one the
person sees (else it is "not found"), and a collector acts only on tasks assigned to
them (the workflow's ``only_from``) and pauses only their own customers. Each row runs in
a savepoint: a refused row is undone alone and counted in the notice (which carries
counts only: pages/notices.py), the others are committed together. When no row goes
through, the worklist comes back with the message on the bulk form and the ticks and
inputs kept (pages/forms.submit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from arflow.auth import Principal
from arflow.web import deps
from arflow.web.api.actions import NO_NUL
from arflow.web.auth import ensure_visible, permitted
from arflow.web.errors import ApiError, refused
from arflow.web.pages.forms import message_for, submit
from arflow.web.pages.render import back_to, translator
from arflow.web.pages.worklist import page_at, safe_back
from ledger import worklist
from ledger.db import Session
from workflows import actions
from workflows.tasks import complete_task, reassign_task

router = APIRouter(include_in_schema=False)
Collector = permitted("collect")
ACTIONS = ("reassign", "complete", "pause")
MAX_ROWS = 200  # a page is 50 rows; anything far beyond is not a person ticking boxes
Text = Annotated[str, Form(max_length=2000, pattern=NO_NUL)]


@dataclass
class Outcome:
    done: int = 0
    refused: list[str] = field(default_factory=list)  # "C001 上海…: the reason"
    errors: list[ApiError] = field(default_factory=list)


def _ids(ticked: list[str]) -> list[int]:
    ids: list[int] = []
    for value in ticked:
        if not value.isdigit() or len(value) > 10:
            raise ApiError(422, "invalid_input", f"not a task id: {value!r}", "task")
        if int(value) not in ids:
            ids.append(int(value))
    if not ids:
        raise ApiError(422, "invalid_input", "select at least one row", "task")
    if len(ids) > MAX_ROWS:
        raise ApiError(422, "invalid_input", f"at most {MAX_ROWS} rows at a time", "task")
    return ids


def _day(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ApiError(422, "invalid_date", f"not a date (YYYY-MM-DD): {value!r}",
                       "until") from None


def _each(request: Request, db: Session, who: Principal, today: date, ids: list[int],
          act: Callable[[dict[str, Any]], bool]) -> Outcome:
    """``act`` on each visible task in its own savepoint; ``act`` returns False for a row
    it skipped (a customer already paused in this run)."""
    t = translator(request, who)
    outcome = Outcome()
    for task_id in ids:
        row = worklist.task(db, today, task_id, None if who.sees_all else who.name)
        label = (f"{row['customer']} {row['customer_name']}" if row
                 else t("collector.bulk.task_label", id=task_id))
        try:
            if row is None:
                raise ApiError(404, "not_found", f"no task {task_id}")
            with db.begin_nested(), refused():
                if act(row):
                    outcome.done += 1
        except ApiError as error:
            outcome.errors.append(error)
            outcome.refused.append(f"{label}: {message_for(request, who, error)}")
    return outcome


def _finish(request: Request, who: Principal, db: Session, back: str, outcome: Outcome,
            done_key: str, **values: Any) -> Response:
    """Commit what went through and say so; nothing did: the refusal on the form."""
    if not outcome.done and outcome.errors:
        first = outcome.errors[0]
        if len({(e.code, e.field, e.message) for e in outcome.errors}) == 1:
            raise first  # one reason for every row (an unknown assignee, a bad date)
        raise ApiError(first.status, "bulk_refused", "; ".join(outcome.refused))
    db.commit()
    # the notice carries counts only (pages/notices.py); a row's reason shows on the form
    # when that row is tried again on its own
    refused = {"refused": len(outcome.refused)} if outcome.refused else {}
    return back_to(back, done_key, n=outcome.done, **refused, **values)


@router.post("/worklist/bulk")
def bulk_form(
    request: Request, db: deps.DbSession, today: deps.Today, who: Collector,
    action: Annotated[str, Form(max_length=16, pattern=NO_NUL)] = "",
    task: Annotated[list[str] | None, Form(max_length=MAX_ROWS * 2)] = None,
    assignee: Annotated[str, Form(max_length=64, pattern=NO_NUL)] = "",
    note: Text = "", reason: Text = "",
    until: Annotated[str, Form(max_length=10, pattern=NO_NUL)] = "",
    back: Annotated[str, Form(max_length=500, pattern=NO_NUL)] = "/worklist",
) -> Response:
    """Apply ``action`` to the ticked rows (``task``: their ids)."""
    back = safe_back(back)
    only_from = None if who.sees_all else who.name
    ticked = task or []
    values = {"action": action, "task": ",".join(ticked), "assignee": assignee,
              "note": note, "reason": reason, "until": until}

    def run() -> Response:
        if action not in ACTIONS:
            raise ApiError(422, "invalid_input", "choose what to do with the rows", "action")
        ids = _ids(ticked)
        if action == "reassign":
            if not assignee.strip():
                raise ApiError(422, "invalid_input", "choose whom to give the tasks to",
                               "assignee")
            outcome = _each(request, db, who, today, ids, lambda row: bool(reassign_task(
                db, row["id"], assignee.strip(), today, who.actor, only_from=only_from)))
            return _finish(request, who, db, back, outcome, "collector.bulk.reassigned",
                           name=assignee.strip())
        if action == "complete":
            outcome = _each(request, db, who, today, ids, lambda row: bool(complete_task(
                db, row["id"], note.strip(), today, who.actor, only_from=only_from)))
            return _finish(request, who, db, back, outcome, "collector.bulk.completed")
        if not reason.strip():
            raise ApiError(422, "invalid_input", "say why the reminders pause", "reason")
        resume_on = _day(until)
        paused: set[str] = set()

        def pause(row: dict[str, Any]) -> bool:
            if only_from is not None and row["assignee"] != only_from:
                raise ApiError(403, "forbidden", f"task {row['id']} is assigned to "
                               f"{row['assignee'] or 'nobody'}, not to you")
            ensure_visible(who, row["collector"])
            if row["customer"] in paused:
                return False
            actions.pause_reminders(db, row["customer"], reason.strip(), today, who.actor,
                                    until=resume_on)
            paused.add(row["customer"])
            return True

        return _finish(request, who, db, back, _each(request, db, who, today, ids, pause),
                       "collector.bulk.paused")

    return submit(request, who, "bulk", values, run, db=db, path=back,
                  again=lambda: page_at(request, db, today, who, back))
