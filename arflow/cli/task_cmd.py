"""Tasks from the command line: `arflow tasks` lists customer tasks (the worklist's
order), `arflow task done|assign` works one, `arflow call` logs a call (which completes
the customer's open call task)."""

from __future__ import annotations

from typing import Any

import typer

from arflow.cli.context import actor, database, fail, options_named, run_in_session, today
from arflow.cli.output import console, emit_json, money, table

task_app = typer.Typer(help="Work one task: done, assign.", no_args_is_help=True)
STATUSES = ("open", "done")
PAGE = 1000


def tasks_command(
    customer: str | None = typer.Option(None, "--customer", help="Customer code."),
    assignee: str | None = typer.Option(None, "--assignee", help="Whose tasks."),
    status: str = typer.Option("open", "--status", help="open or done."),
    kind: str | None = typer.Option(None, "--kind", help="call, legal_handover, ..."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array for scripts."),
) -> None:
    """Customer tasks, highest priority first (balance at risk x days overdue)."""
    from ledger import worklist
    from ledger.db import session_scope

    if status not in STATUSES:
        fail(f"--status must be open or done, not {status!r}")
    f = worklist.TaskFilter(customer=customer, assignee=assignee, status=status, kind=kind)
    found: list[dict[str, Any]] = []
    with session_scope(database()) as session:
        while limit is None or len(found) < limit:
            size = PAGE if limit is None else min(PAGE, limit - len(found))
            page = worklist.tasks(session, today(), f, size, len(found))
            found.extend(page)
            if len(page) < size:
                break
    rows = [_public(row) for row in found]
    if as_json:
        emit_json(rows)
        return
    table(f"{status} tasks ({len(rows)})",
          ["id", "kind", "customer", "invoices", "assignee", "due", "at risk", "days late"],
          [[r["id"], r["kind"], r["customer_code"], _invoices(r["receivables"]), r["assignee"],
            r["due_date"], money(r["at_risk"]), r["days_overdue"]] for r in rows])


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "kind": row["kind"], "customer_code": row["customer"],
            "customer_name": row["customer_name"],
            "receivables": [r["number"] for r in row["receivables"]],
            "assignee": row["assignee"], "due_date": row["due_date"], "status": row["status"],
            "at_risk": row["balance_at_risk"], "currency": row["currency"],
            "days_overdue": row["days_overdue"], "stage": row["stage"],
            "rule_id": row["rule_id"], "created_on": row["created_on"],
            "closed_on": row["closed_on"], "note": row["note"]}


def _invoices(numbers: list[str]) -> str:
    """The oldest invoice and how many more (the table stays one line a task)."""
    return (numbers[0] + (f" +{len(numbers) - 1}" if len(numbers) > 1 else "")) if numbers else ""


@task_app.command("done")
def done_command(
    task_id: int = typer.Argument(..., help="Task id (see `arflow tasks`)."),
    note: str = typer.Option("", "--note", help="What was done."),
) -> None:
    """Complete an open task."""
    from workflows.tasks import complete_task

    run_in_session(lambda s: complete_task(s, task_id, note, today(), actor()))
    console.print(f"task {task_id} done")


@task_app.command("assign")
def assign_command(
    task_id: int = typer.Argument(..., help="Task id (see `arflow tasks`)."),
    to: str = typer.Option(..., "--to", help="An active collector."),
) -> None:
    """Give an open task to another collector."""
    from workflows.tasks import reassign_task

    run_in_session(lambda s: reassign_task(s, task_id, to, today(), actor()),
                   {"assignee": "--to"})  # the workflow's field, this command's option
    console.print(f"task {task_id} assigned to {to}")


def call_command(
    invoice: str | None = typer.Argument(None, help="Invoice number (or --customer)."),
    customer: str | None = typer.Option(None, "--customer", help="Customer code."),
    outcome: str = typer.Option(..., "--outcome",
                                help="reached, no_answer, left_message or wrong_number."),
    note: str = typer.Option("", "--note", help="What was said."),
) -> None:
    """Log a call to a customer (about one invoice, or its account): its open call task
    is done."""
    from workflows.actions import log_call, log_customer_call

    if (invoice is None) == (customer is None):
        fail("name an invoice or --customer (one of them)")
    if customer is not None:
        run_in_session(lambda s: log_customer_call(s, customer, outcome, note, today(),
                                                   actor()), options_named("outcome"))
    else:
        run_in_session(lambda s: log_call(s, invoice, outcome, note, today(), actor()),
                       options_named("outcome"))
    console.print(f"call to {customer or invoice} logged ({outcome})")
