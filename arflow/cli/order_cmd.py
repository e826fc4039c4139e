"""`arflow order check|add|release|reject|cancel|invoice` and `arflow orders`: sales
orders checked against the policy's order_checks before they become receivables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import typer

from arflow.cli.context import (
    actor,
    database,
    fail,
    load_policy_or_fail,
    run_in_session,
    settings,
    today,
)
from arflow.cli.output import console, emit_json, money, table
from ledger.money import parse_money

app = typer.Typer(help="Sales orders: credit checks, holds, releases.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print JSON for scripts.")
CURRENCY = typer.Option("CNY", "--currency", help="ISO currency code of the order.")


def parse_amount(value: str, what: str = "AMOUNT") -> Decimal:
    """An amount as typed (ledger.money.parse_money); its sign is the workflow's to judge."""
    try:
        return parse_money(value, allow_negative=True)
    except ValueError as exc:
        fail(f"{what}: {exc}")


def _print_decision(code: str, amount: Decimal, currency: str, result: Any) -> None:
    console.print(f"{code} {money(amount)} {currency}: {result.decision.upper()}")
    note = result.conversion.note() if result.conversion else result.exposure_currency
    console.print(f"  exposure after: {money(result.exposure_after)} {note}")
    if result.decision == "prepay":
        console.print(f"  collect in advance: {money(result.prepayment_amount)}")
    console.print("  checks fired: " + (", ".join(result.fired) or "none"))


@app.command("check")
def check_command(
    customer: str = typer.Argument(..., help="Customer code."),
    amount: str = typer.Argument(..., help="Order amount."),
    currency: str = CURRENCY,
    as_json: bool = JSON,
) -> None:
    """Check a prospective order (nothing is recorded)."""
    from workflows.orders import check

    value = parse_amount(amount)
    policy = load_policy_or_fail(None)
    book = settings().book_currency
    result = run_in_session(lambda s: check(s, policy, customer, value, currency, today(),
                                            book), {"currency": "--currency"})
    if as_json:
        emit_json(result.as_dict())
    else:
        _print_decision(customer, value, currency, result)


@app.command("add")
def add_command(
    customer: str = typer.Argument(..., help="Customer code."),
    amount: str = typer.Argument(..., help="Order amount."),
    number: str = typer.Option(..., "--number", help="The order number (unique)."),
    currency: str = CURRENCY,
    as_json: bool = JSON,
) -> None:
    """Check and record an order with its decision; a held order waits for release."""
    from workflows.orders import add

    value = parse_amount(amount)
    policy = load_policy_or_fail(None)
    order = run_in_session(
        lambda s: add(s, policy, customer, value, number, today(), actor(), currency,
                      settings().book_currency), {"currency": "--currency"}
    )
    if as_json:
        emit_json({"number": order.number, "status": order.status, "decision": order.decision,
                   "fired": list(order.fired), "exposure_after": order.exposure_after,
                   "exposure_currency": settings().book_currency,
                   "prepayment_amount": order.prepayment_amount})
        return
    console.print(f"order {order.number} recorded: {order.status}")
    console.print("  checks fired: " + (", ".join(order.fired) or "none"))
    if order.status == "prepay":
        console.print(f"  collect in advance: {money(order.prepayment_amount)}")


@app.command("release")
def release_command(
    number: str = typer.Argument(..., help="Order number."),
    note: str = typer.Option("", "--note", help="Why it may go (kept in the audit log)."),
) -> None:
    """Release a held order (approved, or prepay when the customer has a ratio)."""
    from workflows.orders import release

    order = run_in_session(lambda s: release(s, number, today(), actor(), note))
    console.print(f"order {number} released: {order.status}")


@app.command("reject")
def reject_command(
    number: str = typer.Argument(..., help="Order number."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit log)."),
) -> None:
    """Reject a held order."""
    from workflows.orders import reject

    run_in_session(lambda s: reject(s, number, today(), actor(), reason))
    console.print(f"order {number} rejected")


@app.command("cancel")
def cancel_command(
    number: str = typer.Argument(..., help="Order number."),
    reason: str = typer.Option("", "--reason", help="Why (kept in the audit log)."),
) -> None:
    """Cancel an open order: it stops counting in exposure."""
    from workflows.orders import cancel

    run_in_session(lambda s: cancel(s, number, today(), actor(), reason))
    console.print(f"order {number} cancelled")


@app.command("invoice")
def invoice_command(
    number: str = typer.Argument(..., help="Order number."),
    invoice: str = typer.Option(..., "--invoice", help="The imported invoice it became."),
) -> None:
    """Link an order to its invoice; its prepayments are applied to the invoice."""
    from workflows.orders import invoice as link

    _, applied = run_in_session(lambda s: link(s, number, invoice, today(), actor()))
    extra = f"; prepayment applied: {money(applied)}" if applied else ""
    console.print(f"order {number} invoiced as {invoice}{extra}")


def orders_command(
    status: str | None = typer.Option(None, "--status", help="Only orders in this status."),
    as_json: bool = JSON,
) -> None:
    """Sales orders, newest first."""
    from ledger.db import session_scope
    from ledger.order_store import list_orders
    from workflows.orders import STATUSES

    if status is not None and status not in STATUSES:
        fail(f"--status: unknown status {status!r} (one of {', '.join(STATUSES)})")
    with session_scope(database()) as session:
        rows = list_orders(session, status)
    if as_json:
        emit_json(rows)
        return
    table(
        f"orders ({len(rows)})",
        ["number", "customer", "amount", "cur", "status", "fired", "prepay", "invoice"],
        [
            [r["number"], r["customer"], money(r["amount"]), r["currency"], r["status"],
             ", ".join(r["fired"]), money(r["prepayment_amount"]) if r["prepayment_amount"] else "",
             r["invoice_number"]]
            for r in rows
        ],
        right=["amount", "prepay"],
    )
