"""/api/v1/tasks: the worklist for systems and scripts, and acting on a task.

A task is about a customer's account and lists the receivables still in it. Listed in
the worklist's order (balance at risk x days overdue). A collector sees the tasks
assigned to them or on their customers (another's answers 404) and may complete or
reassign only their own; a credit manager (or a system token) sees and changes any.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from arflow.auth import Principal
from arflow.web import deps
from arflow.web.api.actions import RowId
from arflow.web.auth import permitted
from arflow.web.errors import ApiError, documented, refused
from arflow.web.orders import Money
from arflow.web.pagination import PageOut, Paging, envelope
from arflow.web.responses import ExactRoute, MoneyJSONResponse
from ledger import worklist
from workflows.tasks import complete_task, reassign_task

router = APIRouter(prefix="/tasks", tags=["tasks"], route_class=ExactRoute)
Collector = permitted("collect")
Filter = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")]


class TaskOut(BaseModel):
    id: int
    kind: str
    status: str
    assignee: str
    due_date: date
    rule_id: str = Field(description="The rule that opened the task ('' if opened by hand).")
    customer: str
    customer_code: str
    customer_name: str
    receivables: list[str] = Field(
        description="Numbers of the receivables still in the task, oldest due first "
                    "(empty for a task about the customer itself).")
    invoice: str | None = Field(description="The oldest of ``receivables`` (None if empty).")
    stage: str | None = Field(description="The furthest stage among ``receivables``.")
    at_risk: Money = Field(description="Balance at risk: the open balance of "
                                       "``receivables`` (of the customer's overdue "
                                       "receivables for a task about the customer).")
    balance_at_risk: Money
    currency: str
    days_overdue: int
    priority: int = Field(description="Balance at risk in cents x days overdue (at least 1).")
    created_on: date
    closed_on: date | None
    note: str


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=2000, pattern=r"^[^\x00]*$")


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: str = Field(min_length=1, max_length=64, pattern=r"^[^\x00]+$",
                          description="An active collector.")


def _visible_to(who: Principal) -> str | None:
    return None if who.sees_all else who.name


def _public(row: dict[str, Any]) -> dict[str, Any]:
    numbers = [r["number"] for r in row["receivables"]]
    hidden = ("collector", "policy_hash", "customer_id", "receivables")
    return {**{k: v for k, v in row.items() if k not in hidden},
            "customer_code": row["customer"], "receivables": numbers,
            "invoice": numbers[0] if numbers else None, "at_risk": row["balance_at_risk"]}


def _one(db: Any, who: Principal, today: date, task_id: int) -> dict[str, Any]:
    found = worklist.task(db, today, task_id, _visible_to(who))
    if found is None:
        raise ApiError(404, "not_found", f"no task {task_id}")
    return _public(found)


@router.get("", response_model=PageOut[TaskOut], responses=documented(401, 403, 422))
def list_tasks(
    request: Request, db: deps.DbSession, today: deps.Today, who: Collector, paging: Paging,
    kind: Filter = None,
    stage: Filter = None,
    customer: Filter = None,
    q: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$",
                                   description="Part of the customer's code or name.")] = None,
    assignee: Filter = None,
    status: Literal["open", "done"] = "open",
) -> MoneyJSONResponse:
    """Tasks, highest priority first."""
    f = worklist.TaskFilter(assignee=assignee, kind=kind, stage=stage, customer=customer,
                            search=q, status=status, visible_to=_visible_to(who))
    rows = worklist.tasks(db, today, f, paging.limit, paging.offset)
    total = worklist.counts(db, today, f)["total"]
    return MoneyJSONResponse(envelope(request, [_public(r) for r in rows], total, paging))


@router.get("/{task_id}", response_model=TaskOut, responses=documented(401, 403, 404, 422))
def get_task(task_id: RowId, db: deps.DbSession, today: deps.Today, who: Collector
             ) -> MoneyJSONResponse:
    return MoneyJSONResponse(_one(db, who, today, task_id))


@router.post("/{task_id}/complete", response_model=TaskOut,
             responses=documented(401, 403, 404, 409, 422))
def complete(task_id: RowId, body: CompleteIn, db: deps.DbSession, today: deps.Today,
             who: Collector) -> MoneyJSONResponse:
    """Close the task as done, with a note (409 ``task_closed`` if it is not open)."""
    _one(db, who, today, task_id)
    with refused(db):
        complete_task(db, task_id, body.note, today, who.actor,
                      only_from=None if who.sees_all else who.name)
        db.commit()
    return MoneyJSONResponse(_one(db, who, today, task_id))


@router.post("/{task_id}/reassign", response_model=TaskOut,
             responses=documented(401, 403, 404, 409, 422))
def reassign(task_id: RowId, body: ReassignIn, db: deps.DbSession, today: deps.Today,
             who: Collector) -> MoneyJSONResponse:
    """Give the task to another active collector (422 ``unknown_assignee`` otherwise)."""
    _one(db, who, today, task_id)
    with refused(db):
        reassign_task(db, task_id, body.assignee, today, who.actor,
                      only_from=None if who.sees_all else who.name)
        db.commit()
    return MoneyJSONResponse(_one(db, who, today, task_id))
