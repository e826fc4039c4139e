"""`arflow prepayment add|apply` and `arflow prepayments`: advance receipts (预收账款)."""

from __future__ import annotations

import typer

from arflow.cli.context import actor, database, parse_day, run_in_session, today
from arflow.cli.order_cmd import JSON, parse_amount
from arflow.cli.output import console, emit_json, money, table

app = typer.Typer(help="Advance receipts (预收账款).", no_args_is_help=True)


@app.command("add")
def add_command(
    customer: str = typer.Argument(..., help="Customer code."),
    amount: str = typer.Argument(..., help="Amount received."),
    reference: str = typer.Option(..., "--reference", help="Payment reference (unique)."),
    order: str | None = typer.Option(None, "--order", help="The order it pays for."),
    currency: str | None = typer.Option(
        None, "--currency", help="Its currency (default: the order's, else CNY)."),
    date_: str | None = typer.Option(None, "--date", help="Day received (default today)."),
) -> None:
    """Record a prepayment; all of it stays unapplied until an invoice takes it."""
    from workflows.prepayments import record

    value = parse_amount(amount)
    day = parse_day(date_, "--date") or today()
    run_in_session(lambda s: record(s, customer, value, reference, day, actor(), order,
                                    currency))
    console.print(f"prepayment {reference} recorded: {money(value)} from {customer}"
                  + (f" for order {order}" if order else ""))


@app.command("apply")
def apply_command(
    reference: str = typer.Argument(..., help="Prepayment reference."),
    invoice: str = typer.Option(..., "--invoice", help="The invoice to pay with it."),
) -> None:
    """Apply what is left of a prepayment to an invoice (settles it when fully paid)."""
    from workflows.prepayments import apply

    applied = run_in_session(lambda s: apply(s, reference, invoice, today(), actor()))
    console.print(f"{money(applied)} of {reference} applied to {invoice}")


def prepayments_command(
    as_of: str | None = typer.Option(None, "--as-of", help="Day the age is counted to."),
    as_json: bool = JSON,
) -> None:
    """Unapplied prepayments with their age in days, oldest first."""
    from ledger.db import session_scope
    from ledger.prepayments import unapplied

    day = parse_day(as_of, "--as-of") or today()
    with session_scope(database()) as session:
        rows = unapplied(session, day)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        console.print("no unapplied prepayments")
        return
    table(
        f"unapplied prepayments as of {day} ({len(rows)})",
        ["reference", "customer", "order", "date", "amount", "unapplied", "age (days)"],
        [[r["reference"], r["customer"], r["order"], r["date"], money(r["amount"]),
          money(r["unapplied"]), r["age_days"]] for r in rows],
        right=["amount", "unapplied", "age (days)"],
    )
